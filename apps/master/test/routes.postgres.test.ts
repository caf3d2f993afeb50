import postgres from 'postgres';
import { afterAll, beforeAll, describe } from 'vitest';
import { inputErrorTests } from './suites/input-errors.ts';
import { jobRouteTests } from './suites/job-routes.ts';
import { scheduleRouteTests } from './suites/schedule-routes.ts';
import { systemRouteTests } from './suites/system-routes.ts';
import { createTestMaster, type TestMaster } from './support/test-master.ts';

/**
 * The route suites of the SQLite file, on PostgreSQL, in a database created for this file and dropped
 * after it. With CI=true an unreachable server fails the run instead of skipping it.
 */
const ADMIN_URL = process.env.SCHEDULEZERO_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function reachable(): Promise<boolean> {
  if (process.env.CI === 'true') return true;
  const sql = postgres(ADMIN_URL, { max: 1, connect_timeout: 3, onnotice: () => {} });
  try {
    await sql`select 1`;
    return true;
  } catch {
    return false;
  } finally {
    await sql.end({ timeout: 1 });
  }
}

const available = await reachable();

describe.skipIf(!available)('master HTTP API on PostgreSQL', () => {
  const database = `sz_master_${process.pid}_${Date.now().toString(36)}`;
  const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
  let master: TestMaster | undefined;
  const current = (): TestMaster => {
    if (!master) throw new Error('the test master did not start');
    return master;
  };

  beforeAll(async () => {
    await admin.unsafe(`create database ${database}`);
    const url = new URL(ADMIN_URL);
    url.pathname = `/${database}`;
    master = await createTestMaster({ databaseUrl: url.toString() });
  });
  afterAll(async () => {
    await master?.close();
    await admin.unsafe(`drop database if exists ${database} with (force)`);
    await admin.end({ timeout: 5 });
  });

  scheduleRouteTests(current);
  jobRouteTests(current);
  inputErrorTests(current);
  systemRouteTests(current);
});
