import { startRole, stopAll } from '../lib/child.ts';
import { collectSamples, type Sample } from '../lib/collect.ts';
import { createDatabase, dropDatabase } from '../lib/pg.ts';
import { summarize } from '../lib/stats.ts';
import { freshStore, startSzCluster } from '../lib/sz-cluster.ts';
import type { RunContext, RunResult, Workload } from '../lib/types.ts';

/** Workload 2: one-shot jobs due at known times; lateness = handler start − due time. */
const sizes = (smoke: boolean) =>
  smoke ? { n: 200, spanMs: 2_000, leadMs: 2_500 } : { n: 2_000, spanMs: 10_000, leadMs: 5_000 };

function dueTimes(smoke: boolean): number[] {
  const { n, spanMs, leadMs } = sizes(smoke);
  const start = Date.now() + leadMs;
  return Array.from({ length: n }, (_, i) => Math.round(start + (i * spanMs) / n));
}

function lateness(samples: Sample[], expected: number): Record<string, number> {
  const s = summarize(samples.map((sample) => sample[2]));
  return { p50: s.p50, p95: s.p95, p99: s.p99, max: s.max, missing: expected - s.count };
}

async function scheduleZero(ctx: RunContext): Promise<Record<string, number>> {
  const store = await freshStore('sqlite', `dl${ctx.run}`);
  const cluster = await startSzCluster({ storeUrl: store.url, handlers: 1, capacity: 50 });
  try {
    const dues = dueTimes(ctx.smoke);
    await cluster.master.call('createDates', dues, 60_000);
    const handler = cluster.handlers[0];
    if (!handler) throw new Error('no handler');
    const samples = await collectSamples(handler, dues.length, (dues.at(-1) ?? 0) + 10_000);
    return lateness(samples, dues.length);
  } finally {
    await cluster.stop();
    await store.drop();
  }
}

async function bullmq(ctx: RunContext): Promise<Record<string, number>> {
  const queue = `bench-dl-${process.pid}-${ctx.run}`;
  const worker = await startRole('bullmq-worker', { queue, concurrency: 50 });
  const producer = await startRole('bullmq-producer', { queue }).catch(async (e) => {
    await worker.stop();
    throw e;
  });
  try {
    const dues = dueTimes(ctx.smoke);
    await producer.call('addDelayed', dues, 60_000);
    return lateness(await collectSamples(worker, dues.length, (dues.at(-1) ?? 0) + 10_000), dues.length);
  } finally {
    await stopAll([worker, producer]);
  }
}

async function pgBoss(ctx: RunContext): Promise<Record<string, number>> {
  const name = `szbench_pgboss_dl_${process.pid}_${ctx.run}`;
  const url = await createDatabase(name);
  const producer = await startRole('pgboss-producer', { url, queue: 'bench' });
  const worker = await startRole('pgboss-worker', {
    url,
    queue: 'bench',
    workers: 4,
    batchSize: 100,
    pollingIntervalSeconds: 0.5,
  }).catch(async (e) => {
    await producer.stop();
    throw e;
  });
  try {
    const dues = dueTimes(ctx.smoke);
    await producer.call('addDelayed', dues, 60_000);
    return lateness(await collectSamples(worker, dues.length, (dues.at(-1) ?? 0) + 10_000), dues.length);
  } finally {
    await stopAll([worker, producer]);
    await dropDatabase(name);
  }
}

export const dispatchLatency: Workload = {
  name: 'dispatch-latency',
  title: '2. Dispatch latency',
  describe: (smoke) => {
    const { n, spanMs } = sizes(smoke);
    return (
      `${n.toLocaleString('en-US')} one-shot jobs due at known times spread evenly over ${spanMs / 1000} s, created ` +
      'a few seconds ahead; lateness = start of the handler function (worker process) − due time. ScheduleZero: ' +
      'date-trigger schedules (SQLite), handler over ZeroMQ. BullMQ: delayed jobs. pg-boss: `startAfter`, 4 workers ' +
      'polling every 0.5 s (its minimum). `missing` = jobs that did not start within 10 s of the last due time.'
    );
  },
  metrics: [
    { key: 'p50', label: 'p50', unit: 'ms', better: 'lower' },
    { key: 'p95', label: 'p95', unit: 'ms', better: 'lower' },
    { key: 'p99', label: 'p99', unit: 'ms', better: 'lower' },
    { key: 'max', label: 'max', unit: 'ms', better: 'lower' },
    { key: 'missing', label: 'missing', unit: 'jobs', better: 'lower' },
  ],
  chartMetric: 'p99',
  targets: [
    {
      label: 'ScheduleZero lateness p99 ≤ 10 ms',
      check: (m) => {
        const p99 = m['ScheduleZero (SQLite)']?.p99 ?? Number.NaN;
        return { met: p99 <= 10, measured: `${p99.toFixed(1)} ms` };
      },
    },
  ],
  timeoutMs: (smoke) => (smoke ? 60_000 : 180_000),
  async run(ctx): Promise<RunResult> {
    const result: RunResult = {};
    result['ScheduleZero (SQLite)'] = await scheduleZero(ctx);
    result.BullMQ = await bullmq(ctx);
    result['pg-boss'] = await pgBoss(ctx);
    for (const [system, m] of Object.entries(result))
      ctx.log(
        `  ${system} p50 ${m.p50?.toFixed(1)} p99 ${m.p99?.toFixed(1)} max ${m.max?.toFixed(1)} missing ${m.missing}`,
      );
    return result;
  },
};
