import { startRole, stopAll } from '../lib/child.ts';
import { createDatabase, dropDatabase } from '../lib/pg.ts';
import { freshStore, type StoreKind, startSzCluster } from '../lib/sz-cluster.ts';
import type { RunContext, RunResult, Workload } from '../lib/types.ts';

/** Workload 1: no-op jobs due now, a remote worker process with concurrency 50, durable results. */
const size = (smoke: boolean) => (smoke ? 1_000 : 20_000);
const CONCURRENCY = 50;
/**
 * pg-boss's best batch settings here, from a sweep of 1–8 `work` loops × batchSize 250–20,000 at
 * 20,000 jobs: a loop waits out the 0.5 s minimum poll after each batch, so small batches cap it at
 * loops × batchSize / 0.5 s (4 × 250: 1,970 jobs/s), and several large loops contend on the same
 * rows (4 × 5,000: 2,420). One loop of 10,000: 12,500–12,600 jobs/s, as much as one of 20,000.
 */
const PGBOSS_BEST = { workers: 1, batchSize: 10_000, pollingIntervalSeconds: 0.5 };

async function scheduleZero(kind: StoreKind, n: number, ctx: RunContext): Promise<number> {
  const store = await freshStore(kind, `tp${ctx.run}`);
  const cluster = await startSzCluster({ storeUrl: store.url, handlers: 1, capacity: CONCURRENCY });
  try {
    const done = cluster.master.call<number>('waitFinished', { n }, 300_000);
    const first = await cluster.master.call<number>('enqueueNow', n, 300_000);
    const last = await done;
    return n / ((last - first) / 1000);
  } finally {
    await cluster.stop();
    await store.drop();
  }
}

async function bullmq(n: number, ctx: RunContext): Promise<number> {
  const queue = `bench-tp-${process.pid}-${ctx.run}`;
  const worker = await startRole('bullmq-worker', { queue, concurrency: CONCURRENCY });
  const producer = await startRole('bullmq-producer', { queue }).catch(async (error) => {
    await worker.stop();
    throw error;
  });
  try {
    const done = worker.call<number>('waitCompleted', n, 300_000);
    const first = await producer.call<number>('addNow', n, 300_000);
    return n / (((await done) - first) / 1000);
  } finally {
    await stopAll([worker, producer]);
  }
}

async function pgBoss(n: number, ctx: RunContext): Promise<number> {
  const name = `szbench_pgboss_${process.pid}_${ctx.run}`;
  const url = await createDatabase(name);
  const queue = 'bench';
  const producer = await startRole('pgboss-producer', { url, queue });
  const worker = await startRole('pgboss-worker', { url, queue, ...PGBOSS_BEST }).catch(async (error) => {
    await producer.stop();
    throw error;
  });
  try {
    const done = producer.call<number>('waitCompleted', n, 300_000);
    const first = await producer.call<number>('addNow', n, 300_000);
    return n / (((await done) - first) / 1000);
  } finally {
    await stopAll([worker, producer]);
    await dropDatabase(name);
  }
}

export const throughput: Workload = {
  name: 'throughput',
  title: '1. Throughput',
  describe: (smoke) =>
    `${size(smoke).toLocaleString('en-US')} no-op jobs due now, one worker process with concurrency ${CONCURRENCY}; ` +
    'jobs/s from the first enqueue to the last result recorded in the store. ScheduleZero: one-shot ' +
    'schedules created through the scheduler API in the master process (`createSchedules`, 1,000 a call), ' +
    'executed by a handler process over ZeroMQ. BullMQ: `addBulk` (1,000 a call) from a producer process, a Worker process with concurrency 50, ' +
    'completed jobs kept in Redis. pg-boss 10: `insert` (1,000 a call), one `work` loop with batchSize 10,000 (its best here), ' +
    'completion seen by polling the job table every 20 ms.',
  metrics: [{ key: 'jobsPerSec', label: 'throughput', unit: 'jobs/s', better: 'higher' }],
  chartMetric: 'jobsPerSec',
  targets: [
    {
      label: 'ScheduleZero ≥ 2× the best peer',
      check: (m) => {
        const sz = Math.max(
          m['ScheduleZero (SQLite)']?.jobsPerSec ?? 0,
          m['ScheduleZero (PostgreSQL)']?.jobsPerSec ?? 0,
        );
        const peer = Math.max(m.BullMQ?.jobsPerSec ?? 0, m['pg-boss']?.jobsPerSec ?? 0);
        return {
          met: sz >= 2 * peer,
          measured: `${(sz / peer).toFixed(2)}× (${Math.round(sz)} vs ${Math.round(peer)} jobs/s)`,
        };
      },
    },
  ],
  timeoutMs: (smoke) => (smoke ? 60_000 : 600_000),
  async run(ctx): Promise<RunResult> {
    const n = size(ctx.smoke);
    const result: RunResult = {};
    result['ScheduleZero (SQLite)'] = { jobsPerSec: await scheduleZero('sqlite', n, ctx) };
    ctx.log(`  ScheduleZero (SQLite) ${Math.round(result['ScheduleZero (SQLite)'].jobsPerSec ?? 0)} jobs/s`);
    result['ScheduleZero (PostgreSQL)'] = { jobsPerSec: await scheduleZero('postgres', n, ctx) };
    ctx.log(
      `  ScheduleZero (PostgreSQL) ${Math.round(result['ScheduleZero (PostgreSQL)'].jobsPerSec ?? 0)} jobs/s`,
    );
    result.BullMQ = { jobsPerSec: await bullmq(n, ctx) };
    ctx.log(`  BullMQ ${Math.round(result.BullMQ.jobsPerSec ?? 0)} jobs/s`);
    result['pg-boss'] = { jobsPerSec: await pgBoss(n, ctx) };
    ctx.log(`  pg-boss ${Math.round(result['pg-boss'].jobsPerSec ?? 0)} jobs/s`);
    return result;
  },
};
