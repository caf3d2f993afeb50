import { PG_TEST_URL, postgresGate } from '@schedulezero/scheduler-core/testing';
import postgres from 'postgres';
import { afterAll, beforeAll, describe } from 'vitest';
import { inputErrorTests } from './suites/input-errors.ts';
import { inputLimitTests } from './suites/input-limits.ts';
import { jobRouteTests } from './suites/job-routes.ts';
import { scheduleRouteTests } from './suites/schedule-routes.ts';
import { systemRouteTests } from './suites/system-routes.ts';
import { createTestMaster, type TestMaster } from './support/test-master.ts';

/**
 * The route suites of the SQLite file, on PostgreSQL, in a database created for this file and dropped
 * after it. Without a server it is skipped with a message; with CI=true it fails instead.
 */
const gate = await postgresGate('PostgreSQL master HTTP API tests');

describe.skipIf(gate.skip)('master HTTP API on PostgreSQL', () => {
  const database = `sz_master_${process.pid}_${Date.now().toString(36)}`;
  const admin = postgres(PG_TEST_URL, { max: 1, onnotice: () => {} });
  let master: TestMaster | undefined;
  const current = (): TestMaster => {
    if (!master) throw new Error('the test master did not start');
    return master;
  };

  beforeAll(async () => {
    gate.assertReachable();
    await admin.unsafe(`create database ${database}`);
    const url = new URL(PG_TEST_URL);
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
  inputLimitTests(current);
  systemRouteTests(current);
});
