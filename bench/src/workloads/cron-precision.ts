import { startRole, stopAll } from '../lib/child.ts';
import { collectSamples, type Sample, sleep } from '../lib/collect.ts';
import { summarize } from '../lib/stats.ts';
import { freshStore, startSzCluster } from '../lib/sz-cluster.ts';
import type { RunContext, RunResult, Workload } from '../lib/types.ts';

/** Workload 3: every-second cron schedules; lateness, missed and duplicate fires. */
const plan = (smoke: boolean) =>
  smoke ? { counts: [20], seconds: 8 } : { counts: [50, 1_000], seconds: 30 };
/** Fires in the first and last seconds are left out: the schedules are still being created or removed. */
const EDGE_MS = 2_000;

/** Lateness, missed and duplicate fires among those due inside [from, to). */
function judge(samples: Sample[], n: number, from: number, to: number): Record<string, number> {
  const firstSecond = Math.ceil(from / 1000) * 1000;
  const seconds = Math.max(0, Math.floor((to - firstSecond) / 1000));
  const inside = samples.filter(([, due]) => due >= firstSecond && due < firstSecond + seconds * 1000);
  const unique = new Set(inside.map(([key, due]) => `${key}@${due}`));
  const s = summarize(inside.map(([, , late]) => late));
  return {
    p50: s.p50,
    p99: s.p99,
    max: s.max,
    fires: inside.length,
    missed: n * seconds - unique.size,
    duplicates: inside.length - unique.size,
  };
}

async function scheduleZero(n: number, ctx: RunContext): Promise<Record<string, number>> {
  const store = await freshStore('sqlite', `cron${ctx.run}`);
  const cluster = await startSzCluster({ storeUrl: store.url, handlers: 1, capacity: 100 });
  try {
    const handler = cluster.handlers[0];
    if (!handler) throw new Error('no handler');
    await cluster.master.call('createCrons', { n, expression: '* * * * * *' }, 120_000);
    const from = Date.now() + EDGE_MS;
    await sleep(plan(ctx.smoke).seconds * 1000);
    const to = Date.now() - EDGE_MS;
    const samples = await collectSamples(handler, Number.POSITIVE_INFINITY, Date.now() + 1_500);
    return judge(samples, n, from, to);
  } finally {
    await cluster.stop();
    await store.drop();
  }
}

async function bullmq(n: number, ctx: RunContext): Promise<Record<string, number>> {
  const queue = `bench-cron-${process.pid}-${ctx.run}-${n}`;
  const worker = await startRole('bullmq-worker', { queue, concurrency: 100 });
  const producer = await startRole('bullmq-producer', { queue }).catch(async (e) => {
    await worker.stop();
    throw e;
  });
  try {
    await producer.call('upsertSchedulers', n, 120_000);
    const from = Date.now() + EDGE_MS;
    await sleep(plan(ctx.smoke).seconds * 1000);
    const to = Date.now() - EDGE_MS;
    const samples = await collectSamples(worker, Number.POSITIVE_INFINITY, Date.now() + 1_500);
    await producer.call('removeSchedulers', n, 60_000);
    return judge(samples, n, from, to);
  } finally {
    await stopAll([worker, producer]);
  }
}

export const cronPrecision: Workload = {
  name: 'cron-precision',
  title: '3. Cron precision',
  describe: (smoke) => {
    const { counts, seconds } = plan(smoke);
    return (
      `${counts.join(' and ')} every-second cron schedules (\`* * * * * *\`) for ${seconds} s; fires due in the ` +
      `first and last ${EDGE_MS / 1000} s are left out. Lateness = handler start − fire time. ScheduleZero: cron ` +
      'schedules on SQLite, one handler process (capacity 100) over ZeroMQ. BullMQ: job schedulers with the same ' +
      'pattern, a Worker with concurrency 100. pg-boss has no second-level cron and is not in this table. ' +
      '`missed` = expected fires (schedules × seconds) that never started; `duplicates` = a fire time started twice.'
    );
  },
  metrics: [
    { key: 'p50', label: 'p50', unit: 'ms', better: 'lower' },
    { key: 'p99', label: 'p99', unit: 'ms', better: 'lower' },
    { key: 'max', label: 'max', unit: 'ms', better: 'lower' },
    { key: 'fires', label: 'fires', unit: 'count', better: 'higher' },
    { key: 'missed', label: 'missed', unit: 'fires', better: 'lower' },
    { key: 'duplicates', label: 'duplicates', unit: 'fires', better: 'lower' },
  ],
  chartMetric: 'p99',
  targets: [
    {
      label: '1,000 every-second crons: ScheduleZero p99 ≤ 20 ms, 0 missed, 0 duplicates',
      check: (m) => {
        const sz = m['ScheduleZero × 1000'];
        if (!sz) return { met: false, measured: 'not measured' };
        const met = (sz.p99 ?? Number.NaN) <= 20 && sz.missed === 0 && sz.duplicates === 0;
        return {
          met,
          measured: `p99 ${sz.p99?.toFixed(1)} ms, ${sz.missed} missed, ${sz.duplicates} duplicates`,
        };
      },
    },
  ],
  timeoutMs: (smoke) => (smoke ? 60_000 : 360_000),
  async run(ctx): Promise<RunResult> {
    const result: RunResult = {};
    for (const n of plan(ctx.smoke).counts) {
      result[`ScheduleZero × ${n}`] = await scheduleZero(n, ctx);
      result[`BullMQ × ${n}`] = await bullmq(n, ctx);
    }
    for (const [system, m] of Object.entries(result))
      ctx.log(
        `  ${system} p50 ${m.p50?.toFixed(1)} p99 ${m.p99?.toFixed(1)} missed ${m.missed} dup ${m.duplicates}`,
      );
    return result;
  },
};
