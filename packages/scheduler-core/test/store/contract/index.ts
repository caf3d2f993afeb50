import { describe } from 'vitest';
import { acquireContract } from './acquire.ts';
import { changeLogContract, handlerContract } from './changes.ts';
import { downtimeContract } from './downtime.ts';
import { type StoreHarness, type TestDatabase, useStoreHarness } from './fixtures.ts';
import { historyContract } from './history.ts';
import { jobControlContract } from './job-control.ts';
import { jobContract } from './jobs.ts';
import { replicaContract, retentionContract } from './replication.ts';
import { scheduleContract } from './schedules.ts';

export type { StoreHarness, TestDatabase };

/**
 * The one suite every store passes. `createDatabase` gives each test an empty database of its
 * dialect; `extra` adds dialect-only cases that share the harness. `skip` is decided once by the
 * caller (e.g. no PostgreSQL server outside CI).
 */
export function describeStoreContract(
  name: string,
  createDatabase: () => Promise<TestDatabase>,
  options: { skip?: boolean; extra?: (harness: StoreHarness) => void } = {},
): void {
  describe.skipIf(options.skip ?? false)(name, () => {
    const harness = useStoreHarness(createDatabase);
    scheduleContract(harness);
    acquireContract(harness);
    downtimeContract(harness);
    jobContract(harness);
    jobControlContract(harness);
    historyContract(harness);
    handlerContract(harness);
    changeLogContract(harness);
    retentionContract(harness);
    replicaContract(harness);
    options.extra?.(harness);
  });
}
