import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killLeftovers } from '../src/node-process.ts';
import {
  caughtUp,
  type MasterNode,
  type ReplicaNode,
  replication,
  sqliteUrl,
  startMasterNode,
  startReplicaNode,
  waitUntil,
  zoneEndpoints,
} from '../src/replica-topology.ts';

/**
 * A real replica process under a read flood from several connections while its master writes:
 * it keeps applying (lag back to 0 within seconds once the writes stop) and answers /healthz
 * throughout. Its reads carry ETags that follow the applied position. Bounded: at most
 * FLOOD_MAX_REQUESTS requests, to 127.0.0.1 only.
 */

const CONNECTIONS = 8;
const FLOOD_MAX_REQUESTS = 20_000;
const WRITE_MS = 3_000;

let dir: string;
let master: MasterNode;
let replica: ReplicaNode;
let replicaUrl: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sz-e2e-flood-'));
  const endpoints = await zoneEndpoints();
  master = await startMasterNode(dir, 'master', {
    database: sqliteUrl(dir, 'master'),
    zone: 'admin',
    endpoints,
  });
  // The flood comes from one address: the per-address limit is off so that it reaches the node.
  replica = await startReplicaNode(dir, 'replica', {
    database: sqliteUrl(dir, 'replica'),
    zone: 'admin',
    endpoints,
    env: { SCHEDULEZERO_API__RATELIMIT__PERSECOND: '0' },
  });
  const listening = await replica.node.waitForLog((line) => line.msg === 'listening', 1_000);
  replicaUrl = String(listening.url);
  for (let i = 0; i < 100; i += 1) await createSchedule(`seed-${i}`);
  await waitUntil('the replica has the seed', caughtUp(replica.api, await headSeq()), 20_000);
});

afterAll(async () => {
  const codes = [await replica?.node.stop('SIGTERM'), await master?.node.stop('SIGTERM')];
  const leaked = await killLeftovers();
  rmSync(dir, { recursive: true, force: true });
  expect(codes).toEqual([0, 0]);
  expect(leaked).toBe(0);
});

async function createSchedule(id: string): Promise<void> {
  const response = await master.api.call('POST', '/api/schedules', {
    id,
    task: 'whoami',
    trigger: { type: 'interval', seconds: 3600 },
    args: { id },
  });
  if (response.status !== 201) throw new Error(`create ${id}: ${response.status}`);
}

async function headSeq(): Promise<number> {
  const status = await replication(master.api);
  return Math.max(...status.zones.map((zone: { publishedSeq: number }) => zone.publishedSeq));
}

async function get(path: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${replicaUrl}${path}`, { headers, signal: AbortSignal.timeout(5_000) });
  await response.arrayBuffer();
  return response;
}

describe('replica read path', () => {
  it('tags reads with the applied position: the same tag until a write is applied, then a new one', async () => {
    // The master also writes of its own accord (its local handler's record): compare two reads
    // only when the replica's position did not move between them.
    let first: string | null = null;
    await waitUntil('two reads at one position', async () => {
      const before = (await replication(replica.api)).appliedSeq;
      first = (await get('/api/schedules?limit=100')).headers.get('etag');
      const again = (await get('/api/schedules?limit=100')).headers.get('etag');
      const after = (await replication(replica.api)).appliedSeq;
      if (before !== after) return false;
      expect(first).not.toBeNull();
      expect(again).toBe(first);
      return true;
    });
    const notModified = await get('/api/schedules?limit=100', { 'if-none-match': String(first) });
    expect([304, 200]).toContain(notModified.status); // 200 only if the master wrote in between
    if (notModified.status === 304) expect(notModified.headers.get('etag')).toBe(first);

    await createSchedule('tagged');
    await waitUntil('the write is applied', caughtUp(replica.api, await headSeq()), 10_000);
    const changed = await get('/api/schedules?limit=100', { 'if-none-match': String(first) });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(first);
    expect(changed.headers.get('cache-control')).toBe('public, max-age=1, must-revalidate');
  });

  it('stays caught up and live under a read flood while the master writes', async () => {
    let stop = false;
    let sent = 0;
    const statuses = new Map<number, number>();
    const flood = async (connection: number) => {
      while (!stop && sent < FLOOD_MAX_REQUESTS) {
        sent += 1;
        // Queries that differ defeat the cache: the flood makes the node render.
        const path =
          sent % 2 === 0
            ? `/api/schedules?limit=${50 + (sent % 50)}`
            : `/api/history?limit=${20 + connection}`;
        const response = await get(path);
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      }
    };
    const health: number[] = [];
    const probe = async () => {
      while (!stop) {
        const started = Date.now();
        const response = await get('/healthz');
        expect(response.status).toBe(200);
        health.push(Date.now() - started);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    const floods = [...Array.from({ length: CONNECTIONS }, (_, i) => flood(i)), probe()];

    // Writers on the master for WRITE_MS, then a deadline for the replica to catch up.
    let written = 0;
    const writeUntil = Date.now() + WRITE_MS;
    await Promise.all(
      Array.from({ length: 4 }, async (_, writer) => {
        while (Date.now() < writeUntil) await createSchedule(`flood-${writer}-${written++}`);
      }),
    );
    const head = await headSeq();
    const writesStopped = Date.now();
    const status = await waitUntil('caught up after the writes', caughtUp(replica.api, head), 10_000);
    const catchUpMs = Date.now() - writesStopped;
    stop = true;
    await Promise.all(floods);

    expect(written).toBeGreaterThan(0);
    expect(status.appliedSeq).toBeGreaterThanOrEqual(head);
    expect(catchUpMs).toBeLessThan(10_000);
    expect(statuses.get(200) ?? 0).toBeGreaterThan(CONNECTIONS);
    // Nothing but answers and, beyond the in-flight cap, 503s.
    expect([...statuses.keys()].filter((code) => code !== 200 && code !== 503)).toEqual([]);
    expect(health.length).toBeGreaterThan(5);
  });
});
