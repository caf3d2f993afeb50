import { createReadOnlyScheduler, openReplicaStore, type ReplicaStore } from '@schedulezero/scheduler-core';
import { afterEach, describe, expect, it } from 'vitest';
import { createNodeApp } from '../../src/node-app.ts';

const TOKEN = 'the-right-token-0123456789';
let store: ReplicaStore | undefined;

afterEach(async () => {
  await store?.close();
  store = undefined;
});

async function nodeApp() {
  store = await openReplicaStore('sqlite::memory:');
  let nowMs = Date.parse('2026-12-01T00:00:00Z');
  const warnings: Array<Record<string, unknown>> = [];
  const logger = {
    debug() {},
    info() {},
    warn: (fields: object, msg?: string) => warnings.push({ ...fields, msg }),
    error() {},
  };
  const app = createNodeApp({
    reads: createReadOnlyScheduler({ store }),
    readOnly: true,
    api: {
      requireAuth: true,
      tokens: [TOKEN],
      allowedOrigins: [],
      maxBodyBytes: 1024 * 1024,
      docs: false,
      authThrottle: { maxFailures: 10, windowSeconds: 60, maxClients: 100 },
    },
    logger,
    dashboard: false,
    now: () => nowMs,
  });
  // What @hono/node-server hands the app: the request's socket.
  const from = (address: string, token?: string) =>
    app.request(
      '/api/schedules',
      token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } },
      { incoming: { socket: { remoteAddress: address } } },
    );
  return { app, from, warnings, advance: (ms: number) => (nowMs += ms) };
}

describe('failed authentication is throttled per client address', () => {
  it('answers 429 with Retry-After after the address failed too often, and only to that address', async () => {
    const { from, warnings } = await nodeApp();
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < 30; i += 1) {
      last = await from('203.0.113.7', `wrong-token-${i}`);
      statuses.push(last.status);
    }
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(statuses.slice(10)).toEqual(Array(20).fill(429));
    expect(Number(last?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(last?.headers.get('retry-after'))).toBeLessThanOrEqual(6);
    expect(await last?.json()).toMatchObject({ error: { code: 'rate_limited' } });
    // Even the right token is refused from that address while it waits: a guess cannot be confirmed.
    expect((await from('203.0.113.7', TOKEN)).status).toBe(429);
    expect((await from('198.51.100.2', TOKEN)).status).toBe(200);
    // Every refusal is logged at warn with the address, never with the token.
    const refused = warnings.filter((line) => line.address === '203.0.113.7');
    expect(refused).toHaveLength(31);
    expect(JSON.stringify(warnings)).not.toContain('wrong-token');
    expect(JSON.stringify(warnings)).not.toContain(TOKEN);
  });

  it('lets the address try again as the window passes, and fully after it', async () => {
    const { from, advance } = await nodeApp();
    for (let i = 0; i < 12; i += 1) await from('203.0.113.9', 'wrong-token');
    expect((await from('203.0.113.9', TOKEN)).status).toBe(429);
    advance(6_000); // one attempt back every windowSeconds / maxFailures
    expect((await from('203.0.113.9', TOKEN)).status).toBe(200);
    expect((await from('203.0.113.9', 'wrong-token')).status).toBe(401);
    expect((await from('203.0.113.9', 'wrong-token')).status).toBe(429);
    advance(60_000);
    for (let i = 0; i < 10; i += 1) expect((await from('203.0.113.9', 'wrong-token')).status).toBe(401);
  });

  it('does not throttle requests without a token, and counts both kinds in /metrics', async () => {
    const { app, from } = await nodeApp();
    for (let i = 0; i < 15; i += 1) expect((await from('203.0.113.5')).status).toBe(401);
    for (let i = 0; i < 12; i += 1) await from('203.0.113.6', 'wrong-token');
    const text = await (await app.request('/metrics')).text();
    expect(text).toContain('# TYPE schedulezero_http_auth_failures_total counter');
    expect(text).toContain('schedulezero_http_auth_failures_total{reason="no_token"} 15');
    expect(text).toContain('schedulezero_http_auth_failures_total{reason="wrong_token"} 10');
    expect(text).toContain('schedulezero_http_auth_throttled_total 2');
  });

  it('forgets the oldest addresses past maxClients', async () => {
    const { from } = await nodeApp();
    for (let i = 0; i < 10; i += 1) await from('203.0.113.1', 'wrong-token');
    expect((await from('203.0.113.1', TOKEN)).status).toBe(429);
    for (let n = 0; n < 100; n += 1) await from(`10.0.${n >> 8}.${n & 255}`, 'wrong-token');
    expect((await from('203.0.113.1', TOKEN)).status).toBe(200);
  });
});
