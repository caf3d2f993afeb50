import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './free-port.ts';
import { type ApiClient, apiClient } from './http-client.ts';
import { type NodeProcess, startNode, writeYaml } from './node-process.ts';

/** Real master and replica processes wired over one replication zone, for the replica's process tests. */

export const TOKEN = 'e2e-token-0123456789';
export const FIXTURES = fileURLToPath(new URL('../fixtures/handlers.ts', import.meta.url));

export interface ZoneEndpoints {
  publish: string;
  sync: string;
}

export async function zoneEndpoints(): Promise<ZoneEndpoints> {
  return {
    publish: `tcp://127.0.0.1:${await freePort()}`,
    sync: `tcp://127.0.0.1:${await freePort()}`,
  };
}

export interface MasterNode {
  node: NodeProcess;
  api: ApiClient;
}

export interface MasterNodeOptions {
  database: string;
  zone: string;
  endpoints: ZoneEndpoints;
  policy?: string;
  heartbeatMs?: number;
  retention?: { changes?: number; maxAgeSeconds?: number };
  /** A fixed HTTP port, so that a restarted master is found where it was. */
  port?: number;
}

/** A master on plaintext zone endpoints (development mode) with the fixture handlers. */
export async function startMasterNode(
  dir: string,
  name: string,
  options: MasterNodeOptions,
): Promise<MasterNode> {
  const config = writeYaml(dir, name, {
    node: { type: 'master', name, shutdownGraceSeconds: 2 },
    network: { port: options.port ?? 0 },
    database: { url: options.database },
    api: { tokens: [TOKEN] },
    // No handler link: these masters run their handlers in-process, and several run at once.
    handlers: { bind: 'none', modules: [FIXTURES] },
    replication: {
      heartbeatMs: options.heartbeatMs ?? 200,
      ...(options.retention ? { retention: options.retention } : {}),
      zones: { [options.zone]: { ...options.endpoints, policy: options.policy ?? 'admin' } },
    },
    security: { allowPlaintext: true },
    logging: { level: 'info' },
  });
  const node = startNode('master', name, config);
  const listening = await node.waitForLog((line) => line.msg === 'listening', 30_000);
  return { node, api: apiClient(String(listening.url), TOKEN) };
}

export interface ReplicaNode {
  node: NodeProcess;
  api: ApiClient;
}

export interface ReplicaNodeOptions {
  database: string;
  zone: string;
  endpoints: ZoneEndpoints;
  kinds?: string[];
  /** CURVE: the zone's public key and this replica's pair; plaintext otherwise. */
  curve?: { serverKey: string; secretKey: string; publicKey: string };
  port?: number;
  env?: Record<string, string>;
  /** `debug` logs each catch-up page (`caught up a page`, with fromSeq and lastSeq). */
  logLevel?: 'info' | 'debug';
}

export async function startReplicaNode(
  dir: string,
  name: string,
  options: ReplicaNodeOptions,
): Promise<ReplicaNode> {
  const config = writeYaml(dir, name, {
    node: { type: 'replica', name, zone: options.zone, shutdownGraceSeconds: 2 },
    network: { port: options.port ?? 0 },
    database: { url: options.database },
    replication: {
      master: {
        ...options.endpoints,
        ...(options.curve ? { serverKey: options.curve.serverKey } : {}),
      },
      ...(options.kinds ? { kinds: options.kinds } : {}),
    },
    security: options.curve
      ? { secretKey: options.curve.secretKey, publicKey: options.curve.publicKey }
      : { allowPlaintext: true },
    logging: { level: options.logLevel ?? 'info' },
  });
  const node = startNode('replica', name, config, options.env);
  const listening = await node.waitForLog((line) => line.msg === 'listening', 30_000);
  return { node, api: apiClient(String(listening.url)) };
}

/** Polls `probe` every 50 ms until it returns a value (not undefined or false); fails with the last value after `timeoutMs`. */
export async function waitUntil<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
      last = value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms (last: ${String(last)})`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

// biome-ignore lint/suspicious/noExplicitAny: rows are compared whole with toEqual.
type Row = any;

/** Every schedule, job and handler a node serves, through its API, in a stable order. */
export async function allRows(api: ApiClient): Promise<{ schedules: Row[]; jobs: Row[]; handlers: Row[] }> {
  const page = async (path: string, key: string) => {
    const rows: Row[] = [];
    let cursor: string | undefined;
    do {
      const query = `limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const response = await api.call('GET', `${path}?${query}`);
      if (response.status !== 200)
        throw new Error(`${path}: ${response.status} ${JSON.stringify(response.body)}`);
      rows.push(...response.body[key]);
      cursor = response.body.nextCursor ?? undefined;
    } while (cursor);
    return rows.sort((a, b) => String(a.id).localeCompare(String(b.id)));
  };
  const handlers = await api.call('GET', '/api/handlers');
  if (handlers.status !== 200) throw new Error(`/api/handlers: ${handlers.status}`);
  return {
    schedules: await page('/api/schedules', 'schedules'),
    jobs: await page('/api/history', 'jobs'),
    // Not paged: a node has few handlers. Only the admin zone receives them; elsewhere this is [].
    handlers: (handlers.body.handlers as Row[]).sort((a, b) => String(a.id).localeCompare(String(b.id))),
  };
}

/**
 * Reads both nodes' rows until they are equal or `timeoutMs` passes, and returns the last pair
 * read, for the test to compare (a diff when they never matched). A master writes rows of its own
 * accord too (its local handler's counts, every 10 s), so one read of each can race such a write.
 */
export async function matchingRows(
  replica: ApiClient,
  master: ApiClient,
  timeoutMs = 10_000,
): Promise<{ replica: Awaited<ReturnType<typeof allRows>>; master: Awaited<ReturnType<typeof allRows>> }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [m, r] = await Promise.all([allRows(master), allRows(replica)]);
    if (JSON.stringify(m) === JSON.stringify(r) || Date.now() > deadline) return { replica: r, master: m };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function replication(api: ApiClient): Promise<Row> {
  const response = await api.call('GET', '/api/replication');
  if (response.status !== 200) throw new Error(`/api/replication: ${response.status}`);
  return response.body;
}

/**
 * The replica is live with nothing left to apply, at or beyond `seq` when given, and on the
 * master's `epoch` when given (after a master database is replaced, the replica's old position
 * may already be past the new head before it has seen the new epoch).
 */
export function caughtUp(api: ApiClient, seq = 0, epoch?: string): () => Promise<Row | false> {
  return async () => {
    const status = await replication(api);
    const onEpoch = epoch === undefined || status.epoch === epoch;
    return (
      status.state === 'live' && status.lagChanges === 0 && status.appliedSeq >= seq && onEpoch && status
    );
  };
}

export function sqliteUrl(dir: string, name: string): string {
  return `sqlite:${join(dir, `${name}.db`)}`;
}
