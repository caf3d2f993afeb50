import { createScheduler, type MasterStore, openStore, silentLogger } from '@schedulezero/scheduler-core';
import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import { registerDashboard } from '../src/index.ts';
import { logIn, TOKEN } from './support/stack.ts';

let store: MasterStore | undefined;
afterEach(async () => {
  await store?.close();
  store = undefined;
});

/** A master's dashboard over a real store, with a clock the test moves. */
async function dashboard(options: { ttlSeconds?: number; max?: number; secureCookies?: boolean } = {}) {
  store = await openStore('sqlite::memory:');
  const scheduler = createScheduler({ store, logger: silentLogger, nodeId: 'sessions' });
  let nowMs = Date.parse('2026-12-01T09:00:00Z');
  const app = new Hono();
  registerDashboard(app, {
    reads: scheduler,
    mutations: scheduler,
    readOnly: false,
    requireAuth: true,
    tokens: [TOKEN],
    nodeName: 'sessions',
    sessions: { ttlSeconds: options.ttlSeconds ?? 3600, max: options.max ?? 1000 },
    secureCookies: options.secureCookies,
    now: () => new Date(nowMs),
  });
  const get = (cookie: string, path = '/ui/schedules') => app.request(path, { headers: { cookie } });
  return { app, get, advance: (ms: number) => (nowMs += ms) };
}

function csrfOf(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!match?.[1]) throw new Error('no CSRF field on the page');
  return match[1];
}

describe('dashboard sessions', () => {
  it('puts an opaque random id in the cookie, never the token', async () => {
    const { app, get } = await dashboard();
    const first = await logIn(app);
    const second = await logIn(app);
    for (const cookie of [first, second]) {
      expect(cookie).not.toContain(TOKEN);
      expect(cookie).toMatch(/^sz_session=[A-Za-z0-9_-]{43}$/);
      expect((await get(cookie)).status).toBe(200);
    }
    expect(first).not.toBe(second);
    // The token itself is no session.
    const withToken = await get(`sz_session=${TOKEN}`);
    expect(withToken.status).toBe(302);
    expect(withToken.headers.get('location')).toBe('/ui/login?next=%2Fui%2Fschedules');
  });

  it('ends the session on logout: the old cookie is then redirected to the login', async () => {
    const { app, get } = await dashboard();
    const cookie = await logIn(app);
    const other = await logIn(app);
    const csrf = csrfOf(await (await get(cookie)).text());
    const logout = await app.request('/ui/logout', {
      method: 'POST',
      headers: { cookie },
      body: new URLSearchParams({ _csrf: csrf }),
    });
    expect(logout.status).toBe(303);
    expect(logout.headers.get('set-cookie')).toMatch(/sz_session=;.*Max-Age=0/);
    const after = await get(cookie);
    expect(after.status).toBe(302);
    expect(after.headers.get('location')).toContain('/ui/login');
    expect((await get(cookie, '/ui/partials/schedules')).status).toBe(401);
    expect((await get(other)).status).toBe(200);
  });

  it('expires a session ttlSeconds after its login', async () => {
    const { app, get, advance } = await dashboard({ ttlSeconds: 600 });
    const cookie = await logIn(app);
    const login = await app.request('/ui/login', {
      method: 'POST',
      body: new URLSearchParams({ token: TOKEN, next: '/ui/schedules' }),
    });
    expect(login.headers.get('set-cookie')).toContain('Max-Age=600');
    advance(599_000);
    expect((await get(cookie)).status).toBe(200);
    advance(2_000);
    expect((await get(cookie)).status).toBe(302);
  });

  it('keeps at most `max` sessions: a new login ends the oldest', async () => {
    const { app, get } = await dashboard({ max: 2 });
    const [a, b, c] = [await logIn(app), await logIn(app), await logIn(app)];
    expect((await get(a)).status).toBe(302);
    expect((await get(b)).status).toBe(200);
    expect((await get(c)).status).toBe(200);
  });

  it('marks the cookie Secure when told the node is served over https', async () => {
    const login = (app: Hono, url = 'http://scheduler.example/ui/login') =>
      app.request(url, {
        method: 'POST',
        body: new URLSearchParams({ token: TOKEN, next: '/ui/schedules' }),
      });
    const secure = await dashboard({ secureCookies: true });
    expect((await login(secure.app)).headers.get('set-cookie')).toMatch(/; Secure/);
    await store?.close();
    const plain = await dashboard({ secureCookies: false });
    expect((await login(plain.app)).headers.get('set-cookie')).not.toMatch(/Secure/);
    expect((await login(plain.app, 'https://scheduler.example/ui/login')).headers.get('set-cookie')).toMatch(
      /; Secure/,
    );
  });
});
