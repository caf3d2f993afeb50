import { createReadOnlyScheduler, openReplicaStore, type ReplicaStore } from '@schedulezero/scheduler-core';
import { afterEach, describe, expect, it } from 'vitest';
import { READ_ONLY_MESSAGE } from '../src/guards/read-only.ts';
import { createNodeApp } from '../src/node-app.ts';

const api = { requireAuth: false, tokens: [], allowedOrigins: [], maxBodyBytes: 1024 * 1024, docs: true };
const logger = { debug() {}, info() {}, warn() {}, error() {} };
let store: ReplicaStore | undefined;

afterEach(async () => {
  await store?.close();
  store = undefined;
});

async function replicaApp(options: { requireAuth?: boolean; statusPage?: boolean } = {}) {
  store = await openReplicaStore('sqlite::memory:');
  return createNodeApp({
    reads: createReadOnlyScheduler({ store }),
    readOnly: true,
    api: {
      ...api,
      requireAuth: options.requireAuth ?? false,
      tokens: ['a-token-of-16-chars'],
      statusPage: options.statusPage,
    },
    logger,
    replication: async () => ({ role: 'replica', zone: 'dmz', appliedSeq: 7 }),
    notReady: () => 'replication is catching up',
  });
}

describe('createNodeApp, read-only', () => {
  it('refuses every mutation under /api/ with 403 read_only, before auth and routing', async () => {
    const app = await replicaApp({ requireAuth: true });
    for (const [method, path] of [
      ['POST', '/api/schedules'],
      ['PUT', '/api/schedules/a'],
      ['PATCH', '/api/schedules/a'],
      ['DELETE', '/api/schedules/a'],
      ['POST', '/api/triggers/preview'],
      ['POST', '/api/jobs/a/cancel'],
      ['POST', '/api/jobs/a/rerun'],
      ['POST', '/api/unknown'],
    ] as const) {
      const response = await app.request(path, {
        method,
        body: '{}',
        headers: { 'content-type': 'application/json' },
      });
      expect(response.status, `${method} ${path}`).toBe(403);
      expect(await response.json()).toEqual({ error: { code: 'read_only', message: READ_ONLY_MESSAGE } });
    }
    // Reads still need the token when the config asks for one.
    expect((await app.request('/api/schedules')).status).toBe(401);
  });

  it('serves reads, /api/replication and a readiness that waits for the replica', async () => {
    const app = await replicaApp();
    expect(await (await app.request('/api/schedules')).json()).toEqual({ schedules: [], nextCursor: null });
    expect((await app.request('/api/schedules/x')).status).toBe(404);
    expect(await (await app.request('/api/replication')).json()).toEqual({
      role: 'replica',
      zone: 'dmz',
      appliedSeq: 7,
    });
    const ready = await app.request('/readyz');
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ status: 'unavailable', reason: 'replication is catching up' });
  });

  it('serves an icon at /favicon.ico, which the API page links, so a browser logs no 404', async () => {
    const app = await replicaApp({ requireAuth: true });
    expect(await (await app.request('/docs')).text()).toContain(
      '<link rel="icon" type="image/svg+xml" href="/favicon.ico">',
    );
    const icon = await app.request('/favicon.ico');
    expect(icon.status).toBe(200);
    expect(icon.headers.get('content-type')).toBe('image/svg+xml');
    expect(await icon.text()).toMatch(/^<svg /);
  });

  it('serves the public status page, without a token, only when api.statusPage is on', async () => {
    const off = await replicaApp({ requireAuth: true });
    expect((await off.request('/status')).status).toBe(404);
    await store?.close();
    const on = await replicaApp({ requireAuth: true, statusPage: true });
    const page = await on.request('/status');
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('No schedule is published here.');
    expect(await (await on.request('/status.json')).json()).toMatchObject({ schedules: [] });
  });

  it('advertises no mutation in its OpenAPI document', async () => {
    const app = await replicaApp();
    const document = (await (await app.request('/openapi.json')).json()) as {
      info: { title: string };
      paths: Record<string, Record<string, unknown>>;
    };
    expect(document.info.title).toBe('ScheduleZero replica API');
    for (const [path, item] of Object.entries(document.paths))
      for (const method of Object.keys(item)) expect(method, path).toBe('get');
    expect(document.paths['/api/replication']).toBeDefined();
  });
});
