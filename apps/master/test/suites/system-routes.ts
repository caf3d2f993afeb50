import { createScheduler, openStore } from '@schedulezero/scheduler-core';
import { eventually } from '@schedulezero/scheduler-core/testing';
import { describe, expect, it } from 'vitest';
import { createMasterApp, type MasterAppOptions } from '../../src/app.ts';
import { masterConfigSchema } from '../../src/config.ts';
import { masterReplicationStatus } from '../../src/replication-status.ts';
import { call, uniqueId, YEARLY } from '../support/http.ts';
import { type TestMaster, TOKEN, ZONE } from '../support/test-master.ts';

const OTHER_TOKEN = 'second-token-abcdefghijklmnop';

/** Auth, CORS, body limit, probes, OpenAPI and the 500 branch of the error handler. */
export function systemRouteTests(master: () => TestMaster): void {
  /** Another app in front of the same scheduler, with a different `api` section. */
  const appWith = (api: Record<string, unknown>, extra: Partial<MasterAppOptions> = {}) =>
    createMasterApp({
      scheduler: master().scheduler,
      api: masterConfigSchema.parse({ api: { tokens: [TOKEN], ...api } }).api,
      logger: { debug() {}, info() {}, warn() {}, error() {} },
      replication: masterReplicationStatus(master().publisher),
      ...extra,
    });

  describe('auth', () => {
    it('every /api route needs the bearer token: none or a wrong one is 401', async () => {
      // One wrong token per route, all from one address: room for them all before the throttle's 429.
      const app = appWith({ tokens: [TOKEN, OTHER_TOKEN], authThrottle: { maxFailures: 100 } });
      const paths: Array<[string, string]> = [
        ['GET', '/api/schedules'],
        ['POST', '/api/schedules'],
        ['GET', '/api/schedules/x'],
        ['PUT', '/api/schedules/x'],
        ['PATCH', '/api/schedules/x'],
        ['DELETE', '/api/schedules/x'],
        ['POST', '/api/schedules/x/pause'],
        ['POST', '/api/schedules/x/resume'],
        ['POST', '/api/schedules/x/run'],
        ['GET', '/api/schedules/x/next'],
        ['POST', '/api/triggers/preview'],
        ['GET', '/api/history'],
        ['GET', '/api/jobs/x'],
        ['GET', '/api/handlers'],
        ['GET', '/api/metrics'],
        ['GET', '/api/replication'],
      ];
      for (const [method, path] of paths) {
        const missing = await call(app, method, path, { token: null });
        expect(missing.status, `${method} ${path}`).toBe(401);
        expect(missing.body.error.code).toBe('unauthorized');
        expect(missing.headers.get('www-authenticate')).toContain('Bearer');
        expect((await call(app, method, path, { token: `${TOKEN}x` })).status, `${method} ${path}`).toBe(401);
      }
      expect((await call(app, 'GET', '/api/schedules', { token: OTHER_TOKEN })).status).toBe(200);
      expect((await call(app, 'GET', '/api/replication', { token: OTHER_TOKEN })).status).toBe(200);
      const basic = await call(app, 'GET', '/api/schedules', {
        token: null,
        headers: { authorization: `Basic ${TOKEN}` },
      });
      expect(basic.status).toBe(401);
    });

    it('probes, metrics and the OpenAPI document need no token', async () => {
      const app = appWith({});
      for (const path of ['/healthz', '/readyz', '/metrics', '/openapi.json', '/docs']) {
        expect((await call(app, 'GET', path, { token: null })).status, path).toBe(200);
      }
    });

    it('with requireAuth off, /api needs no token', async () => {
      const app = appWith({ requireAuth: false, tokens: [] });
      expect((await call(app, 'GET', '/api/schedules', { token: null })).status).toBe(200);
    });
  });

  describe('CORS and body limit', () => {
    it('answers preflights and tags responses for allowed origins only', async () => {
      const app = appWith({ allowedOrigins: ['https://ops.example.com'] });
      const preflight = await app.request('/api/schedules', {
        method: 'OPTIONS',
        headers: { origin: 'https://ops.example.com', 'access-control-request-method': 'POST' },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-origin')).toBe('https://ops.example.com');
      expect(preflight.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
      const allowed = await call(app, 'GET', '/api/schedules', {
        headers: { origin: 'https://ops.example.com' },
      });
      expect(allowed.headers.get('access-control-allow-origin')).toBe('https://ops.example.com');
      const other = await call(app, 'GET', '/api/schedules', {
        headers: { origin: 'https://evil.example.com' },
      });
      expect(other.headers.get('access-control-allow-origin')).toBeNull();
      const none = await call(appWith({}), 'GET', '/api/schedules', {
        headers: { origin: 'https://ops.example.com' },
      });
      expect(none.headers.get('access-control-allow-origin')).toBeNull();
    });

    it('a body over api.maxBodyBytes is 413, with or without a content-length', async () => {
      const app = appWith({ maxBodyBytes: 1024 });
      const big = JSON.stringify({ task: 'echo', trigger: YEARLY, args: { blob: 'x'.repeat(2000) } });
      const sized = await call(app, 'POST', '/api/schedules', {
        body: big,
        headers: { 'content-length': String(big.length) },
      });
      expect(sized.status).toBe(413);
      expect(sized.body.error.code).toBe('payload_too_large');
      const stream = new ReadableStream({
        start(controller) {
          controller.enqueue(new TextEncoder().encode(big));
          controller.close();
        },
      });
      const chunked = await app.request('/api/schedules', {
        method: 'POST',
        headers: {
          authorization: `Bearer ${TOKEN}`,
          'content-type': 'application/json',
          'transfer-encoding': 'chunked',
        },
        body: stream,
        duplex: 'half',
      } as RequestInit);
      expect(chunked.status).toBe(413);
      const small = await call(app, 'POST', '/api/schedules', {
        body: { id: uniqueId('small'), task: 'echo', trigger: YEARLY },
      });
      expect(small.status).toBe(201);
    });
  });

  describe('replication status', () => {
    it('GET /api/replication shows each zone’s stream: its head seq moves with every change', async () => {
      const before = await call(master().app, 'GET', '/api/replication');
      expect(before.status).toBe(200);
      expect(before.body).toEqual({
        role: 'master',
        zones: [
          expect.objectContaining({
            zone: ZONE,
            epoch: expect.any(String),
            publishedSeq: expect.any(Number),
            publishEndpoint: expect.stringMatching(/^tcp:\/\/127\.0\.0\.1:\d+$/),
            syncEndpoint: expect.stringMatching(/^tcp:\/\/127\.0\.0\.1:\d+$/),
          }),
        ],
      });
      const [zone] = before.body.zones;
      const created = await call(master().app, 'POST', '/api/schedules', {
        body: { id: uniqueId('replicated'), task: 'echo', trigger: YEARLY },
      });
      expect(created.status).toBe(201);
      await eventually(async () => {
        const after = await call(master().app, 'GET', '/api/replication');
        expect(after.body.zones[0].publishedSeq).toBeGreaterThan(zone.publishedSeq);
        expect(after.body.zones[0].epoch).toBe(zone.epoch);
      });
    });

    it('a master without zones reports none; the route needs the token like every /api route', async () => {
      const app = appWith({}, { replication: masterReplicationStatus(undefined) });
      expect((await call(app, 'GET', '/api/replication')).body).toEqual({ role: 'master', zones: [] });
      expect((await call(app, 'GET', '/api/replication', { token: null })).status).toBe(401);
      const open = appWith(
        { requireAuth: false, tokens: [] },
        { replication: masterReplicationStatus(undefined) },
      );
      expect((await call(open, 'GET', '/api/replication', { token: null })).status).toBe(200);
    });
  });

  describe('run-now beyond the queue', () => {
    it('is 429 rate_limited once governors.queueLimit jobs wait, and queues nothing more', async () => {
      // No executor: the jobs stay pending, so the queue fills.
      const store = await openStore('sqlite::memory:');
      const scheduler = createScheduler({ store, nodeId: 'queue', queueLimit: 2 });
      await scheduler.start();
      try {
        const app = createMasterApp({
          scheduler,
          api: masterConfigSchema.parse({ api: { tokens: [TOKEN] } }).api,
          logger: { debug() {}, info() {}, warn() {}, error() {} },
        });
        const id = uniqueId('queued');
        const created = await call(app, 'POST', '/api/schedules', {
          body: { id, task: 'echo', trigger: YEARLY, maxInstances: 10 },
        });
        expect(created.status).toBe(201);
        for (let i = 0; i < 2; i += 1)
          expect((await call(app, 'POST', `/api/schedules/${id}/run`)).status).toBe(202);
        const refused = await call(app, 'POST', `/api/schedules/${id}/run`);
        expect(refused.status).toBe(429);
        expect(refused.headers.get('retry-after')).toBe('1');
        expect(refused.body).toEqual({
          error: { code: 'rate_limited', message: '2 jobs are waiting (queue limit 2); try again later' },
        });
        const history = await call(app, 'GET', `/api/history?scheduleId=${id}`);
        expect(history.body.jobs).toHaveLength(2);
      } finally {
        await scheduler.stop({ graceMs: 0 });
        await store.close();
      }
    });
  });

  describe('probes and documents', () => {
    it('/healthz is 200; /readyz is 200, and 503 while shutting down or when the database is gone', async () => {
      expect((await call(master().app, 'GET', '/healthz')).body).toEqual({ status: 'ok' });
      expect((await call(master().app, 'GET', '/readyz')).status).toBe(200);
      const draining = await call(appWith({}, { accepting: () => false }), 'GET', '/readyz');
      expect(draining.status).toBe(503);
      const store = await openStore('sqlite::memory:');
      const scheduler = createScheduler({ store, nodeId: 'closed' });
      const app = createMasterApp({
        scheduler,
        api: masterConfigSchema.parse({ api: { tokens: [TOKEN] } }).api,
        logger: { debug() {}, info() {}, warn() {}, error() {} },
        ping: () => store.ping(),
      });
      await store.close();
      const gone = await call(app, 'GET', '/readyz');
      expect(gone.status).toBe(503);
      expect(gone.body.reason).toBe('database unreachable');
      expect((await call(app, 'GET', '/healthz')).status).toBe(200);
    });

    it('a failure that is not the client’s is a generic 500, and logged', async () => {
      const errors: unknown[] = [];
      const store = await openStore('sqlite::memory:');
      const scheduler = createScheduler({ store, nodeId: 'closed' });
      const app = createMasterApp({
        scheduler,
        api: masterConfigSchema.parse({ api: { tokens: [TOKEN] } }).api,
        logger: { debug() {}, info() {}, warn() {}, error: (fields) => errors.push(fields) },
      });
      await store.close();
      const response = await call(app, 'GET', '/api/schedules');
      expect(response.status).toBe(500);
      expect(response.body).toEqual({ error: { code: 'internal', message: 'Internal server error' } });
      expect(errors).toHaveLength(1);
    });

    it('/openapi.json documents every route with its schemas, and /docs renders it', async () => {
      const response = await call(master().app, 'GET', '/openapi.json');
      expect(response.status).toBe(200);
      const document = response.body;
      expect(document.openapi).toBe('3.1.0');
      const operations = Object.entries(document.paths).flatMap(([path, item]) =>
        Object.keys(item as object).map((method) => `${method.toUpperCase()} ${path}`),
      );
      expect(operations.sort()).toEqual(
        [
          'POST /api/schedules',
          'GET /api/schedules',
          'GET /api/schedules/{id}',
          'PUT /api/schedules/{id}',
          'PATCH /api/schedules/{id}',
          'DELETE /api/schedules/{id}',
          'POST /api/schedules/{id}/pause',
          'POST /api/schedules/{id}/resume',
          'POST /api/schedules/{id}/run',
          'GET /api/schedules/{id}/next',
          'POST /api/triggers/preview',
          'GET /api/history',
          'GET /api/jobs/{id}',
          'POST /api/jobs/{id}/cancel',
          'POST /api/jobs/{id}/rerun',
          'GET /api/handlers',
          'GET /api/metrics',
          'GET /api/replication',
          'GET /metrics',
          'GET /healthz',
          'GET /readyz',
          'GET /openapi.json',
        ].sort(),
      );
      for (const name of [
        'Schedule',
        'ScheduleWarning',
        'Job',
        'Handler',
        'Error',
        'CreateScheduleBody',
        'TriggerPreview',
      ]) {
        expect(document.components.schemas, name).toHaveProperty(name);
      }
      expect(document.paths['/api/schedules'].post.security).toEqual([{ bearerAuth: [] }]);
      expect(document.paths['/api/replication'].get.security).toEqual([{ bearerAuth: [] }]);
      expect(document.paths['/api/schedules/{id}/run'].post.responses).toHaveProperty('429');
      // Public endpoints say so (`security: []`), so that generated clients send no token there.
      expect(document.paths['/healthz'].get.security).toEqual([]);
      expect(document.paths['/openapi.json'].get.security).toEqual([]);
      expect(document.servers).toEqual([{ url: '/', description: 'This node' }]);
      expect(document.info.license).toMatchObject({ name: 'MIT' });
      for (const [action, operationId, success] of [
        ['cancel', 'cancelJob', '200'],
        ['rerun', 'rerunJob', '202'],
      ] as const) {
        const operation = document.paths[`/api/jobs/{id}/${action}`].post;
        expect(operation).toMatchObject({ operationId, security: [{ bearerAuth: [] }] });
        expect(Object.keys(operation.responses).sort()).toEqual(
          expect.arrayContaining([success, '400', '401', '404', '409']),
        );
      }
      const limit = document.paths['/api/history'].get.parameters.find(
        (p: { name: string }) => p.name === 'limit',
      );
      expect(limit.schema).toMatchObject({ minimum: 1, maximum: 500, default: 50 });
      const docs = await call(master().app, 'GET', '/docs');
      expect(docs.headers.get('content-type')).toContain('text/html');
      expect(docs.body).toContain('/openapi.json');
    });
  });
}
