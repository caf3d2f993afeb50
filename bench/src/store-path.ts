/**
 * The store's share of a job, alone: the four store calls a one-shot job goes through on the
 * master (create its schedule, acquire it into a job, claim the job, record its result), each
 * timed per job, through the Store API in this process — no loop, no handler link, no other
 * work in the way:
 *   pnpm --filter @schedulezero/bench exec tsx src/store-path.ts [sqlite|postgres] [jobs] [batch]
 * `batch` is how many jobs one claim and one finish take (the run loop's free capacity).
 */
import { createScheduleBodySchema } from '@schedulezero/protocol';
import { createScheduler, type Executor, openStore, planFires } from '@schedulezero/scheduler-core';
import { freshStore, type StoreKind } from './lib/sz-cluster.ts';

const kind = (process.argv[2] ?? 'sqlite') as StoreKind;
const n = Number(process.argv[3] ?? 20_000);
const batch = Number(process.argv[4] ?? 50);
const target = await freshStore(kind, 'szpath');
const store = await openStore(target.url);
// The scheduler only to create schedules as the API does (validation, first fire time); its
// loop is never started.
const idle: Executor = {
  run: async () => ({ status: 'succeeded', result: null }),
  capacity: () => new Map(),
};
const scheduler = createScheduler({ store, executor: idle, nodeId: 'store-path' });

const perJob = (startMs: number) => `${(((performance.now() - startMs) * 1000) / n).toFixed(1)} µs/job`;
try {
  const at = new Date(Date.now() - 1_000).toISOString();
  const body = () => createScheduleBodySchema.parse({ task: 'noop', trigger: { type: 'date', at } });
  let start = performance.now();
  for (let done = 0; done < n; done += 1_000) {
    await scheduler.createSchedules(Array.from({ length: Math.min(1_000, n - done) }, body));
  }
  console.log(`create  ${perJob(start)} (createSchedules, 1,000 a call)`);

  start = performance.now();
  let acquired = 0;
  for (;;) {
    const jobs = await store.acquireDueSchedules(new Date(), 500, planFires);
    if (jobs.length === 0) break;
    acquired += jobs.length;
  }
  console.log(`acquire ${perJob(start)} (500 schedules a transaction; ${acquired} jobs)`);

  let claimMs = 0;
  let finishMs = 0;
  for (;;) {
    let t = performance.now();
    const jobs = await store.claimJobs({ now: new Date(), limit: batch, claimedBy: 'store-path' });
    claimMs += performance.now() - t;
    if (jobs.length === 0) break;
    t = performance.now();
    await store.finishJobs(
      jobs.map((job) => ({
        jobId: job.id,
        attempt: job.attempt,
        finishedAt: new Date(),
        outcome: { status: 'succeeded' as const, result: null },
      })),
    );
    finishMs += performance.now() - t;
  }
  console.log(`claim   ${((claimMs * 1000) / n).toFixed(1)} µs/job (${batch} a claim)`);
  console.log(`finish  ${((finishMs * 1000) / n).toFixed(1)} µs/job (${batch} a batch)`);
} finally {
  await store.close();
  await target.drop();
}
