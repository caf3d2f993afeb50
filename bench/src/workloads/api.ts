import autocannon from 'autocannon';
import { startRole } from '../lib/child.ts';
import { freshStore, startSzCluster } from '../lib/sz-cluster.ts';
import type { RunContext, RunResult, Workload } from '../lib/types.ts';

/** Workload 6: HTTP load on the schedule list, with a hono hello-world as the ceiling. */
const plan = (smoke: boolean) => (smoke ? { seconds: 1, schedules: 300 } : { seconds: 10, schedules: 1_000 });
const CONNECTIONS = 10;

interface CannonResult {
  requests: { average: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
}

async function load(url: string, seconds: number): Promise<Record<string, number>> {
  const result = (await autocannon({ url, connections: CONNECTIONS, duration: seconds })) as CannonResult;
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`${url}: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 };
}

async function master(ctx: RunContext): Promise<Record<string, number>> {
  const { seconds, schedules } = plan(ctx.smoke);
  const store = await freshStore('sqlite', `api${ctx.run}`);
  const populate = await startRole('populate', { storeUrl: store.url });
  await populate.call('fill', { n: schedules, concurrency: 500 }, 120_000).finally(() => populate.stop());
  const cluster = await startSzCluster({
    storeUrl: store.url,
    handlers: 0,
    capacity: 50,
    local: true,
    httpPort: 0,
  });
  try {
    return await load(`http://127.0.0.1:${cluster.startup.port}/api/schedules?limit=100`, seconds);
  } finally {
    await cluster.stop();
    await store.drop();
  }
}

async function hello(ctx: RunContext): Promise<Record<string, number>> {
  const server = await startRole('hono-hello', {});
  try {
    const port = await server.call<number>('port');
    return await load(`http://127.0.0.1:${port}/`, plan(ctx.smoke).seconds);
  } finally {
    await server.stop();
  }
}

export const api: Workload = {
  name: 'api',
  title: '6. API',
  describe: (smoke) => {
    const { seconds, schedules } = plan(smoke);
    return (
      `autocannon, ${CONNECTIONS} connections for ${seconds} s, in the benchmark's own process. Master: ` +
      `\`GET /api/schedules?limit=100\` over ${schedules.toLocaleString('en-US')} schedules on SQLite (auth off; ` +
      'each answer ≈ 100 schedules of JSON). Ceiling: a hono hello-world on the same Node adaptor. The replica ' +
      'row comes when apps/replica exists.'
    );
  },
  metrics: [
    { key: 'rps', label: 'requests/s', unit: 'req/s', better: 'higher' },
    { key: 'p50', label: 'p50', unit: 'ms', better: 'lower' },
    { key: 'p99', label: 'p99', unit: 'ms', better: 'lower' },
  ],
  chartMetric: 'rps',
  targets: [],
  timeoutMs: (smoke) => (smoke ? 60_000 : 180_000),
  async run(ctx): Promise<RunResult> {
    const result: RunResult = {};
    result['ScheduleZero master (list 100)'] = await master(ctx);
    result['hono hello-world (ceiling)'] = await hello(ctx);
    for (const [system, m] of Object.entries(result))
      ctx.log(`  ${system} ${m.rps?.toFixed(0)} req/s p99 ${m.p99} ms`);
    return result;
  },
};
