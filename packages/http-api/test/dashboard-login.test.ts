import { createScheduler, type MasterStore, openStore, silentLogger } from '@schedulezero/scheduler-core';
import { afterEach, describe, expect, it } from 'vitest';
import { createNodeApp } from '../src/node-app.ts';
import type { ApiOptions } from '../src/types.ts';

const TOKEN = 'the-right-token-0123456789';
let store: MasterStore | undefined;

afterEach(async () => {
  await store?.close();
  store = undefined;
});

/** A master's app (real SQLite store) whose dashboard logins arrive from `address`. */
async function masterApp(api: Partial<ApiOptions> = {}) {
  store = await openStore('sqlite::memory:');
  const scheduler = createScheduler({ store, logger: silentLogger, nodeId: 'login' });
  const app = createNodeApp({
    reads: scheduler,
    mutations: scheduler,
    readOnly: false,
    api: {
      requireAuth: true,
      tokens: [TOKEN],
      allowedOrigins: [],
      maxBodyBytes: 1 << 20,
      docs: false,
      ...api,
    },
    logger: { debug() {}, info() {}, warn() {}, error() {} },
  });
  const logIn = (token: string, address = '203.0.113.20') =>
    app.request(
      'http://127.0.0.1:8888/ui/login',
      { method: 'POST', body: new URLSearchParams({ token, next: '/ui/schedules' }) },
      { incoming: { socket: { remoteAddress: address } } },
    );
  return { app, logIn };
}

describe('dashboard login on a node', () => {
  it('shares the API throttle: failed logins from one address end in 429 with Retry-After', async () => {
    const { app, logIn } = await masterApp({
      authThrottle: { maxFailures: 3, windowSeconds: 60, maxClients: 10 },
    });
    for (let i = 0; i < 3; i += 1) expect((await logIn(`wrong-${i}`)).status).toBe(401);
    const throttled = await logIn(TOKEN);
    expect(throttled.status).toBe(429);
    expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await logIn(TOKEN, '198.51.100.3')).status).toBe(303);
    const metrics = await (await app.request('/metrics')).text();
    expect(metrics).toContain('schedulezero_http_auth_failures_total{reason="wrong_token"} 3');
  });

  it('sets Secure on the session cookie when api.publicUrl is https, unless secureCookies says no', async () => {
    const cookieOf = async (api: Partial<ApiOptions>) => {
      const { logIn } = await masterApp(api);
      const response = await logIn(TOKEN);
      await store?.close();
      store = undefined;
      return response.headers.get('set-cookie') ?? '';
    };
    expect(await cookieOf({ publicUrl: 'https://scheduler.example.com' })).toMatch(/; Secure/);
    expect(await cookieOf({ publicUrl: 'http://scheduler.example.com' })).not.toMatch(/Secure/);
    expect(await cookieOf({})).not.toMatch(/Secure/);
    expect(await cookieOf({ publicUrl: 'https://scheduler.example.com', secureCookies: false })).not.toMatch(
      /Secure/,
    );
    expect(await cookieOf({ secureCookies: true })).toMatch(/; Secure/);
  });
});
