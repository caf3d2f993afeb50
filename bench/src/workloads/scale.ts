import { startRole } from '../lib/child.ts';
import { sleep } from '../lib/collect.ts';
import { summarize } from '../lib/stats.ts';
import { freshStore, type StoreKind, type SzStore, startSzCluster } from '../lib/sz-cluster.ts';
import type { RunContext, RunResult, Workload } from '../lib/types.ts';

/** Workload 4: a master over 100,000 stored schedules — memory, start-up, list latency, fire lateness. */
const plan = (smoke: boolean) =>
  smoke ? { n: 1_000, windowS: 3, requests: 50 } : { n: 100_000, windowS: 20, requests: 200 };

/** Filled once per store kind and reused by the runs (the master is what is measured). */
const filled = new Map<StoreKind, SzStore>();

async function filledStore(kind: StoreKind, n: number, ctx: RunContext): Promise<SzStore> {
  const existing = filled.get(kind);
  if (existing) return existing;
  const store = await freshStore(kind, 'scale');
  const started = Date.now();
  const populate = await startRole('populate', { storeUrl: store.url });
  try {
    await populate.call('fill', { n, concurrency: kind === 'postgres' ? 50 : 500 }, 900_000);
  } finally {
    await populate.stop();
  }
  ctx.log(`  filled ${kind} with ${n} schedules in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  filled.set(kind, store);
  return store;
}

async function measure(kind: StoreKind, ctx: RunContext): Promise<Record<string, number>> {
  const { n, windowS, requests } = plan(ctx.smoke);
  const store = await filledStore(kind, n, ctx);
  const spawned = performance.now();
  const cluster = await startSzCluster({
    storeUrl: store.url,
    handlers: 0,
    capacity: 50,
    local: true,
    httpPort: 0,
  });
  try {
    const startupMs = performance.now() - spawned;
    const readyAt = Date.now();
    const latencies = await cluster.master.call<number[]>('listLatency', requests, 120_000);
    await sleep(Math.max(0, windowS * 1000 - (Date.now() - readyAt)));
    const rss = await cluster.master.call<number>('rss');
    const samples = await cluster.master.call<Array<[number, number]>>('localSamples');
    const fires = summarize(samples.filter(([due]) => due >= readyAt + 1_000).map(([, late]) => late));
    const list = summarize(latencies);
    return {
      rssMb: rss / 2 ** 20,
      startupMs,
      initMs: cluster.startup.readyMs,
      listP50: list.p50,
      listP99: list.p99,
      fires: fires.count,
      fireP50: fires.p50,
      fireP99: fires.p99,
    };
  } finally {
    await cluster.stop();
  }
}

export const scale: Workload = {
  name: 'scale',
  title: '4. Scale',
  describe: (smoke) => {
    const { n, windowS, requests } = plan(smoke);
    return (
      `${n.toLocaleString('en-US')} stored cron schedules, each firing once an hour at its own second ` +
      '(`S M * * * *`, spread evenly over the hour, ≈ 28 fires/s at 100,000), filled once per store through the ' +
      'Store API. A master process (store + scheduler, no-op jobs on its local executor) is started on ' +
      `them; start-up = spawn to ready (of which \`init\` = open + migrate + scheduler start, inside the ` +
      `process); list = ${requests} sequential \`listSchedules({limit: 100})\` + JSON serialisation in the master ` +
      '(the HTTP cost is workload 6); ' +
      `RSS after ${windowS} s; fire lateness = ` +
      'job start − fire time, for fires due from 1 s after ready.'
    );
  },
  metrics: [
    { key: 'rssMb', label: 'RSS', unit: 'MB', better: 'lower' },
    { key: 'startupMs', label: 'start-up', unit: 'ms', better: 'lower' },
    { key: 'initMs', label: 'init', unit: 'ms', better: 'lower' },
    { key: 'listP50', label: 'list p50', unit: 'ms', better: 'lower' },
    { key: 'listP99', label: 'list p99', unit: 'ms', better: 'lower' },
    { key: 'fires', label: 'fires', unit: 'count', better: 'higher' },
    { key: 'fireP50', label: 'fire p50', unit: 'ms', better: 'lower' },
    { key: 'fireP99', label: 'fire p99', unit: 'ms', better: 'lower' },
  ],
  chartMetric: 'rssMb',
  targets: [
    {
      label: '100,000 schedules under 300 MB RSS (both stores)',
      check: (m) => {
        const values = Object.values(m).map((r) => r.rssMb ?? Number.NaN);
        return {
          met: values.length > 0 && values.every((v) => v < 300),
          measured: values.map((v) => `${v.toFixed(0)} MB`).join(', '),
        };
      },
    },
  ],
  timeoutMs: (smoke) => (smoke ? 90_000 : 900_000),
  cleanup: () => dropScaleStores(),
  async run(ctx): Promise<RunResult> {
    const result: RunResult = {};
    result['ScheduleZero (SQLite)'] = await measure('sqlite', ctx);
    result['ScheduleZero (PostgreSQL)'] = await measure('postgres', ctx);
    for (const [system, m] of Object.entries(result))
      ctx.log(
        `  ${system} rss ${m.rssMb?.toFixed(0)} MB start ${m.startupMs?.toFixed(0)} ms list p99 ${m.listP99?.toFixed(1)} fire p99 ${m.fireP99?.toFixed(1)}`,
      );
    return result;
  },
};

/** Drops the filled stores at the end of the benchmark. */
export async function dropScaleStores(): Promise<void> {
  for (const store of filled.values()) await store.drop().catch(() => {});
  filled.clear();
}
