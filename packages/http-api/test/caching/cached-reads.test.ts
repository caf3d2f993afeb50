import {
  createReadOnlyScheduler,
  createScheduler,
  type MasterStore,
  openReplicaStore,
  openStore,
  type ReplicatedRow,
  type StoreConnection,
} from '@schedulezero/scheduler-core';
import { afterEach, describe, expect, it } from 'vitest';
import { masterDataVersion, replicaDataVersion } from '../../src/caching/data-version.ts';
import { createNodeApp } from '../../src/node-app.ts';

const TOKEN = 'a-token-of-16-chars';
const api = { requireAuth: true, tokens: [TOKEN], allowedOrigins: [], maxBodyBytes: 1 << 20, docs: false };
const logger = { debug() {}, info() {}, warn() {}, error() {} };
const auth = { authorization: `Bearer ${TOKEN}` };
let stores: StoreConnection[] = [];

afterEach(async () => {
  await Promise.all(stores.map((store) => store.close()));
  stores = [];
});

const turn = () => new Promise((resolve) => setImmediate(resolve));

/**
 * The store with reads and writes that take a few turns of the event loop, as a PostgreSQL
 * store's do: a read can then start before a write's commit and end after it, or run entirely
 * between a commit and the write's answer.
 */
function slowed(store: MasterStore): MasterStore {
  return new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || property === 'close') return value;
      // Turns before and after the call: a read's, and a write's answer after its commit.
      const [before, after] =
        property === 'listSchedules' ? [3, 1] : property === 'createSchedule' ? [0, 6] : [];
      if (before === undefined || after === undefined) return value;
      return async (...args: unknown[]) => {
        for (let i = 0; i < before; i += 1) await turn();
        const result = await value.apply(target, args);
        for (let i = 0; i < after; i += 1) await turn();
        return result;
      };
    },
  });
}

async function masterApp(cache = { maxBytes: 1 << 20, maxAgeSeconds: 1 }, slow = false) {
  const database = await openStore('sqlite::memory:');
  stores.push(database);
  const { store, version } = masterDataVersion(slow ? slowed(database) : database);
  const scheduler = createScheduler({ store, nodeId: 'test' });
  const app = createNodeApp({
    reads: scheduler,
    mutations: scheduler,
    readOnly: false,
    api: { ...api, cache },
    logger,
    dataVersion: version,
    dashboard: false,
  });
  const get = (path: string, headers: Record<string, string> = {}) =>
    app.request(path, { headers: { ...auth, ...headers } });
  const create = (id: string) =>
    app.request('/api/schedules', {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ id, task: 'report', trigger: { type: 'interval', seconds: 60 } }),
    });
  return { app, get, create };
}

describe('ETags and the response cache on the master', () => {
  it('tags reads with the data version: 304 on a match, a new tag after a write and only then', async () => {
    const { get, create } = await masterApp();
    expect((await create('a')).status).toBe(201);
    const first = await get('/api/schedules?limit=10');
    const etag = first.headers.get('etag');
    expect(etag).toMatch(/^"[\w-]{22}"$/);
    expect(first.headers.get('cache-control')).toBe('private, no-cache');
    const body = await first.text();

    // Reads of any kind, and a refused write, change nothing.
    await get('/api/history');
    await get('/api/metrics');
    expect((await create('a')).status).toBe(409);
    const again = await get('/api/schedules?limit=10');
    expect(again.headers.get('etag')).toBe(etag);
    expect(await again.text()).toBe(body);

    const notModified = await get('/api/schedules?limit=10', { 'if-none-match': `"other", W/${etag}` });
    expect(notModified.status).toBe(304);
    expect(notModified.headers.get('etag')).toBe(etag);
    expect(await notModified.text()).toBe('');
    // Another query is another resource.
    const other = await get('/api/schedules?limit=5');
    expect(other.headers.get('etag')).not.toBe(etag);

    expect((await create('b')).status).toBe(201);
    const after = await get('/api/schedules?limit=10', { 'if-none-match': etag as string });
    expect(after.status).toBe(200);
    expect(after.headers.get('etag')).not.toBe(etag);
    expect(((await after.json()) as { schedules: unknown[] }).schedules).toHaveLength(2);
  });

  it('never pairs a tag with data of another version while writes and reads interleave', async () => {
    const { get, create } = await masterApp(undefined, true);
    const bodyByTag = new Map<string, string>();
    const tagByBody = new Map<string, string>();
    for (let round = 0; round < 30; round += 1) {
      // Reads start before, with and after the write, a turn of the event loop apart.
      const reads = Array.from({ length: 8 }, async (_, index) => {
        for (let i = 0; i < index; i += 1) await turn();
        return get('/api/schedules?limit=100');
      });
      const [write, ...answers] = await Promise.all([create(`s-${round}`), ...reads]);
      expect(write.status).toBe(201);
      for (const answer of answers) {
        const body = await answer.text();
        const tag = answer.headers.get('etag');
        if (tag === null) continue;
        expect(bodyByTag.get(tag) ?? body, `body of ${tag}`).toBe(body);
        expect(tagByBody.get(body) ?? tag).toBe(tag);
        bodyByTag.set(tag, body);
        tagByBody.set(body, tag);
      }
    }
    // Each tag served names the data as it is at that version: the last one is today's.
    const final = await get('/api/schedules?limit=100');
    const schedules = ((await final.json()) as { schedules: unknown[] }).schedules;
    expect(schedules).toHaveLength(30);
    expect(bodyByTag.size).toBeGreaterThan(1);
  });

  it('serves every valid token the same answers, and no answer without one', async () => {
    const database = await openStore('sqlite::memory:');
    stores.push(database);
    const { store, version } = masterDataVersion(database);
    const scheduler = createScheduler({ store, nodeId: 'test' });
    const other = 'another-token-of-16-chars';
    const app = createNodeApp({
      reads: scheduler,
      mutations: scheduler,
      readOnly: false,
      api: { ...api, tokens: [TOKEN, other] },
      logger,
      dataVersion: version,
      dashboard: false,
    });
    const first = await app.request('/api/schedules', { headers: auth });
    const etag = first.headers.get('etag') as string;
    const second = await app.request('/api/schedules', { headers: { authorization: `Bearer ${other}` } });
    expect(second.headers.get('etag')).toBe(etag);
    expect(await second.text()).toBe(await first.text());
    // The cache and the 304 sit behind authentication.
    const attempts: Array<Record<string, string>> = [{}, { authorization: 'Bearer wrong-token-0123456789' }];
    for (const headers of attempts) {
      const refused = await app.request('/api/schedules', { headers: { ...headers, 'if-none-match': etag } });
      expect(refused.status).toBe(401);
      expect(refused.headers.get('etag')).toBeNull();
    }
  });

  it('serves repeated reads from the cache within its bound', async () => {
    const { app, get, create } = await masterApp({ maxBytes: 64 * 1024, maxAgeSeconds: 1 });
    for (const id of ['a', 'b', 'c']) await create(id);
    for (let i = 0; i < 3; i += 1) await get('/api/schedules?limit=10');
    const metrics = await (await app.request('/metrics')).text();
    expect(metrics).toContain('schedulezero_http_cache_requests_total{result="hit"} 2');
    const bytes = Number(/schedulezero_http_cache_bytes (\d+)/.exec(metrics)?.[1]);
    expect(bytes).toBeGreaterThan(0);
    expect(bytes).toBeLessThanOrEqual(64 * 1024);
  });
});

describe('ETags on a replica', () => {
  const EPOCH = 'ab'.repeat(16);
  const schedule = (id: string) => ({
    id,
    task: 'report',
    trigger: { type: 'interval', seconds: 60 },
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
  });

  it('follows the applied position, gives none while a snapshot loads, and lets proxies keep it briefly', async () => {
    const database = await openReplicaStore('sqlite::memory:');
    stores.push(database);
    const { store, version } = await replicaDataVersion(database, 'dmz');
    const app = createNodeApp({
      reads: createReadOnlyScheduler({ store }),
      readOnly: true,
      api: { ...api, requireAuth: false, cache: { maxBytes: 1 << 20, maxAgeSeconds: 2 } },
      logger,
      dataVersion: version,
      dashboard: false,
    });
    const etag = async () => (await app.request('/api/schedules')).headers.get('etag');
    expect(await etag()).toBeNull(); // no snapshot yet

    await store.resetReplica({ zone: 'dmz', epoch: EPOCH, snapshotSeq: 1, kinds: null });
    expect(await etag()).toBeNull(); // loading
    await store.applySnapshot({
      zone: 'dmz',
      epoch: EPOCH,
      snapshotSeq: 1,
      records: [{ topic: 'schedule.created', payload: schedule('a') }],
      complete: true,
    });
    const loaded = await app.request('/api/schedules');
    expect(loaded.headers.get('cache-control')).toBe('public, max-age=2, must-revalidate');
    const first = loaded.headers.get('etag');
    expect(first).not.toBeNull();
    expect(await etag()).toBe(first);

    const row: ReplicatedRow = { seq: 2, topic: 'schedule.created', payload: schedule('b') };
    await store.applyReplicated({ zone: 'dmz', epoch: EPOCH, rows: [row], appliedSeq: 2 });
    const applied = await app.request('/api/schedules', { headers: { 'if-none-match': first as string } });
    expect(applied.status).toBe(200);
    expect(applied.headers.get('etag')).not.toBe(first);
    expect(((await applied.json()) as { schedules: unknown[] }).schedules).toHaveLength(2);
    // A refused batch (another epoch) changes no data, but the position is unknown until the next one.
    await store.applyReplicated({ zone: 'dmz', epoch: 'cd'.repeat(16), rows: [], appliedSeq: 3 });
    expect(await etag()).toBeNull();
  });
});
