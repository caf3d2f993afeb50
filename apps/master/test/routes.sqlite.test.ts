import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe } from 'vitest';
import { inputErrorTests } from './suites/input-errors.ts';
import { inputLimitTests } from './suites/input-limits.ts';
import { jobRouteTests } from './suites/job-routes.ts';
import { scheduleRouteTests } from './suites/schedule-routes.ts';
import { systemRouteTests } from './suites/system-routes.ts';
import { createTestMaster, type TestMaster } from './support/test-master.ts';

describe('master HTTP API on SQLite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sz-master-routes-'));
  let master: TestMaster | undefined;
  const current = (): TestMaster => {
    if (!master) throw new Error('the test master did not start');
    return master;
  };

  beforeAll(async () => {
    master = await createTestMaster({ databaseUrl: `sqlite:${join(dir, 'master.db')}` });
  });
  afterAll(async () => {
    await master?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  scheduleRouteTests(current);
  jobRouteTests(current);
  inputErrorTests(current);
  inputLimitTests(current);
  systemRouteTests(current);
});
