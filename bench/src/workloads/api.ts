import autocannon from 'autocannon';
import { startRole } from '../lib/child.ts';
import { freshStore } from '../lib/sz-cluster.ts';
import type { RunContext, RunResult, Workload } from '../lib/types.ts';

/** Workload 6: HTTP load on the schedule list, with a hono hello-world as the ceiling. */
const plan = (smoke: boolean) => (smoke ? { seconds: 1, schedules: 300 } : { seconds: 10, schedules: 1_000 });
const CONNECTIONS = 10;

interface CannonResult {
  requests: { average: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
  '3xx': number;
}

/** How a row asks: a new query each time (nothing cached), the same one (cached), or with its ETag (304). */
type Variant = 'uncached' | 'cached' | '304';
const VARIANTS: readonly Variant[] = ['uncached', 'cached', '304'];
/** The read endpoints measured, by row label, and how. The dashboard's pages show times relative to now: never cached. */
const PATHS: ReadonlyArray<{ label: string; path: string; variants: readonly Variant[] }> = [
  { label: 'list 100', path: '/api/schedules?limit=100', variants: VARIANTS },
  { label: 'history 100', path: '/api/history?limit=100', variants: VARIANTS },
  { label: 'dashboard overview page', path: '/ui/schedules', variants: ['cached'] },
  { label: 'dashboard replication status page', path: '/ui/replication', variants: ['cached'] },
];

async function load(
  url: string,
  seconds: number,
  variant: Variant = 'cached',
): Promise<Record<string, number>> {
  const options: Parameters<typeof autocannon>[0] = { url, connections: CONNECTIONS, duration: seconds };
  if (variant === 'uncached') {
    // A query parameter the route ignores makes each request another cache entry: rendered every time.
    let n = 0;
    const { pathname, search } = new URL(url);
    options.requests = [
      { setupRequest: (request) => ({ ...request, path: `${pathname}${search}&n=${n++}` }) },
    ];
  }
  if (variant === '304') {
    const etag = (await fetch(url)).headers.get('etag');
    if (etag === null) throw new Error(`${url}: no ETag`);
    options.headers = { 'if-none-match': etag };
  }
  const result = (await autocannon(options)) as CannonResult;
  const expected = variant === '304' ? result.non2xx === result['3xx'] : result.non2xx === 0;
  if (!expected || result.errors > 0)
    throw new Error(`${url} (${variant}): ${result.non2xx} non-2xx answers, ${result.errors} errors`);
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 };
}

/** Every endpoint and variant of one node, one after the other. */
async function readRows(
  node: string,
  port: number,
  seconds: number,
): Promise<Record<string, Record<string, number>>> {
  const rows: Record<string, Record<string, number>> = {};
  for (const { label, path, variants } of PATHS)
    for (const variant of variants) {
      const name = variants.length === 1 ? label : `${label}, ${variant}`;
      rows[`ScheduleZero ${node} (${name})`] = await load(
        `http://127.0.0.1:${port}${path}`,
        seconds,
        variant,
      );
    }
  return rows;
}

/**
 * The master's and a replica's `GET /api/schedules?limit=100` over the same schedules: a master
 * process (store, zone publisher, HTTP API) and a replica process (apps/replica's node: its own
 * store kept by the zone subscriber, the read-only API), measured one after the other.
 */
async function masterAndReplica(ctx: RunContext): Promise<Record<string, Record<string, number>>> {
  const { seconds, schedules } = plan(ctx.smoke);
  const masterStore = await freshStore('sqlite', `apim${ctx.run}`);
  const replicaStore = await freshStore('sqlite', `apir${ctx.run}`);
  const master = await startRole('repl-master', { storeUrl: masterStore.url, zone: 'admin' });
  try {
    const { head } = await master.call<{ head: number }>('fill', { n: schedules, batch: 1_000 }, 120_000);
    const masterPort = await master.call<number>('serveApi');
    const endpoints = await master.call<{ publish: string; sync: string }>('endpoints');
    const replica = await startRole('replica-http', {
      storeUrl: replicaStore.url,
      zone: 'admin',
      publish: endpoints.publish,
      sync: endpoints.sync,
    });
    try {
      const replicaPort = await replica.call<number>('caughtUp', { seq: head, timeoutMs: 60_000 }, 70_000);
      return {
        ...(await readRows('master', masterPort, seconds)),
        ...(await readRows('replica', replicaPort, seconds)),
      };
    } finally {
      await replica.stop();
    }
  } finally {
    await master.stop();
    await masterStore.drop();
    await replicaStore.drop();
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
      `autocannon, ${CONNECTIONS} connections for ${seconds} s each, in the benchmark's own process: ` +
      '`GET /api/schedules?limit=100` (100 schedules of JSON) and `GET /api/history?limit=100` (auth off) on a master over ' +
      `${schedules.toLocaleString('en-US')} schedules on SQLite, then on a replica process that holds the same ` +
      'schedules in its own SQLite store, kept by the zone stream. Each three ways: uncached (a query parameter the ' +
      'route ignores, new on every request, so each answer is rendered), cached (the same request: the response ' +
      "cache), 304 (with the answer's ETag as If-None-Match); the history of these nodes is empty (no job ran). " +
      "And the dashboard's schedules page (its overview, 25 a page) and replication status page, rendered each time. " +
      'Ceiling: a hono hello-world on the same Node adaptor.'
    );
  },
  metrics: [
    { key: 'rps', label: 'requests/s', unit: 'req/s', better: 'higher' },
    { key: 'p50', label: 'p50', unit: 'ms', better: 'lower' },
    { key: 'p99', label: 'p99', unit: 'ms', better: 'lower' },
  ],
  chartMetric: 'rps',
  targets: [],
  timeoutMs: (smoke) => (smoke ? 90_000 : 300_000),
  async run(ctx): Promise<RunResult> {
    const result: RunResult = {};
    Object.assign(result, await masterAndReplica(ctx));
    result['hono hello-world (ceiling)'] = await hello(ctx);
    for (const [system, m] of Object.entries(result))
      ctx.log(`  ${system} ${m.rps?.toFixed(0)} req/s p99 ${m.p99} ms`);
    return result;
  },
};
