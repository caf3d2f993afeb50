import { createScheduleBodySchema } from '@schedulezero/protocol';
import { eventually } from '@schedulezero/scheduler-core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createMasterStack, createReplicaApp, type MasterStack, TOKEN } from './support/stack.ts';

let stack: MasterStack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

/** The session cookie of the current stack's login. */
let cookie = '';

function csrfOf(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!match?.[1]) throw new Error('no CSRF field on the page');
  return match[1];
}

describe('master pages', () => {
  it('redirects to the login form without a session, and logs in with a token', async () => {
    stack = await createMasterStack();
    cookie = stack.cookie;
    const anonymous = await stack.app.request('/ui/schedules');
    expect(anonymous.status).toBe(302);
    expect(anonymous.headers.get('location')).toBe('/ui/login?next=%2Fui%2Fschedules');
    const refused = await stack.app.request('/ui/login', {
      method: 'POST',
      body: new URLSearchParams({ token: 'wrong', next: '/ui/schedules' }),
    });
    expect(refused.status).toBe(401);
    const login = await stack.app.request('/ui/login', {
      method: 'POST',
      body: new URLSearchParams({ token: TOKEN, next: '//evil.example/' }),
    });
    expect(login.status).toBe(303);
    expect(login.headers.get('location')).toBe('/ui/schedules');
    const setCookie = login.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
  });

  it('renders every page and creates, pauses and deletes (after a confirmation) through the forms with CSRF', async () => {
    stack = await createMasterStack();
    cookie = stack.cookie;
    const list = await stack.app.request('/ui/schedules', { headers: { cookie } });
    expect(list.status).toBe(200);
    const csrf = csrfOf(await (await stack.app.request('/ui/schedules/new', { headers: { cookie } })).text());

    const form = {
      id: 'daily-report',
      task: 'echo',
      triggerType: 'cron',
      expression: '0 9 * * *',
      timezone: 'Europe/Berlin',
      seconds: '',
      at: '',
      args: '{"to":"ops"}',
    };
    const noCsrf = await stack.app.request('/ui/schedules', {
      method: 'POST',
      headers: { cookie },
      body: new URLSearchParams(form),
    });
    expect(noCsrf.status).toBe(403);
    const crossSite = await stack.app.request('/ui/schedules', {
      method: 'POST',
      headers: { cookie, origin: 'http://evil.example' },
      body: new URLSearchParams({ ...form, _csrf: csrf }),
    });
    expect(crossSite.status).toBe(403);
    const created = await stack.app.request('/ui/schedules', {
      method: 'POST',
      headers: { cookie },
      body: new URLSearchParams({ ...form, _csrf: csrf }),
    });
    expect(created.status).toBe(303);
    expect(created.headers.get('location')).toBe('/ui/schedules/daily-report');

    const detail = await (
      await stack.app.request('/ui/schedules/daily-report', { headers: { cookie } })
    ).text();
    expect(detail).toContain('every day at 09:00 Europe/Berlin');
    expect(detail.match(/<li><time/g)?.length).toBe(10);

    // A task no handler offers (a typo) is created, and its page says so.
    const typo = await stack.app.request('/ui/schedules', {
      method: 'POST',
      headers: { cookie },
      body: new URLSearchParams({ ...form, id: 'typo-report', task: 'ecko', _csrf: csrf }),
    });
    expect(typo.status).toBe(303);
    const typoPage = typo.headers.get('location') ?? '';
    expect(typoPage).toBe('/ui/schedules/typo-report?warning=no_handler_for_task');
    const warned = await (await stack.app.request(typoPage, { headers: { cookie } })).text();
    expect(warned).toContain('no handler offers the task “ecko”');
    expect(detail).not.toContain('no handler offers the task');

    const invalid = await stack.app.request('/ui/schedules', {
      method: 'POST',
      headers: { cookie },
      body: new URLSearchParams({ ...form, id: 'bad', expression: 'not cron', _csrf: csrf }),
    });
    expect(invalid.status).toBe(400);

    const paused = await stack.app.request('/ui/schedules/daily-report/pause', {
      method: 'POST',
      headers: { cookie },
      body: new URLSearchParams({ _csrf: csrf }),
    });
    expect(paused.status).toBe(303);
    expect((await stack.scheduler.getSchedule('daily-report')).paused).toBe(true);

    for (const path of [
      '/ui/handlers',
      '/ui/history',
      '/ui/charts',
      '/ui/replication',
      '/ui/partials/schedules',
    ]) {
      const response = await stack.app.request(path, { headers: { cookie } });
      expect(response.status, path).toBe(200);
    }
    // The Delete button only asks; the confirmation's own form deletes.
    const asked = await stack.app.request('/ui/schedules/daily-report/delete', {
      method: 'POST',
      headers: { cookie },
      body: new URLSearchParams({ _csrf: csrf }),
    });
    expect(asked.status).toBe(200);
    expect(await asked.text()).toContain('<input type="hidden" name="confirm" value="yes">');
    expect((await stack.scheduler.getSchedule('daily-report')).id).toBe('daily-report');
    const deleted = await stack.app.request('/ui/schedules/daily-report/delete', {
      method: 'POST',
      headers: { cookie },
      body: new URLSearchParams({ _csrf: csrf, confirm: 'yes' }),
    });
    expect(deleted.status).toBe(303);
    expect((await stack.app.request('/ui/schedules/daily-report', { headers: { cookie } })).status).toBe(404);
  });
});

describe('master actions: resume and run now', () => {
  const post = (path: string, body: Record<string, string>, headers: Record<string, string> = {}) =>
    stack?.app.request(path, {
      method: 'POST',
      headers: { cookie, ...headers },
      body: new URLSearchParams(body),
    }) as Promise<Response>;

  async function pausedSchedule(current: MasterStack, id: string): Promise<string> {
    await current.scheduler.createSchedule(
      createScheduleBodySchema.parse({
        id,
        task: 'echo',
        trigger: { type: 'interval', seconds: 3600 },
        args: { n: 1 },
        paused: true,
      }),
    );
    const page = await (await current.app.request(`/ui/schedules/${id}`, { headers: { cookie } })).text();
    expect(page).toContain(`action="/ui/schedules/${id}/resume"`);
    expect(page).not.toContain(`action="/ui/schedules/${id}/pause"`);
    return csrfOf(page);
  }

  it('resumes a paused schedule through its CSRF-protected form and goes back to the page it was on', async () => {
    stack = await createMasterStack();
    cookie = stack.cookie;
    const csrf = await pausedSchedule(stack, 'nightly');

    expect((await post('/ui/schedules/nightly/resume', {})).status).toBe(403);
    expect((await post('/ui/schedules/nightly/resume', { _csrf: `${csrf}x` })).status).toBe(403);
    const crossSite = await post(
      '/ui/schedules/nightly/resume',
      { _csrf: csrf },
      { origin: 'http://evil.example' },
    );
    expect(crossSite.status).toBe(403);
    expect((await stack.scheduler.getSchedule('nightly')).paused).toBe(true);

    const resumed = await post(
      '/ui/schedules/nightly/resume',
      { _csrf: csrf },
      { referer: 'http://localhost/ui/schedules?q=night' },
    );
    expect(resumed.status).toBe(303);
    expect(resumed.headers.get('location')).toBe('/ui/schedules?q=night');
    const schedule = await stack.scheduler.getSchedule('nightly');
    expect(schedule.paused).toBe(false);
    expect(schedule.nextRunAt).not.toBeNull();
    const page = await (await stack.app.request('/ui/schedules/nightly', { headers: { cookie } })).text();
    expect(page).toContain('action="/ui/schedules/nightly/pause"');
    expect(page).not.toContain('action="/ui/schedules/nightly/resume"');
    // The table fragment the page polls shows it unpaused too.
    const fragment = await (
      await stack.app.request('/ui/partials/schedules?q=nightly', { headers: { cookie } })
    ).text();
    expect(fragment).toContain('action="/ui/schedules/nightly/pause"');
  });

  it('runs a schedule now through its CSRF-protected form: one manual job that succeeds', async () => {
    stack = await createMasterStack();
    cookie = stack.cookie;
    const csrf = await pausedSchedule(stack, 'adhoc');
    const jobs = async () =>
      (await stack?.scheduler.listJobs({ limit: 50, scheduleId: 'adhoc' }))?.items ?? [];

    expect((await post('/ui/schedules/adhoc/run', {})).status).toBe(403);
    expect(await jobs()).toHaveLength(0);

    // A referer from another site is not followed: back to the schedule's own page.
    const ran = await post('/ui/schedules/adhoc/run', { _csrf: csrf }, { referer: 'http://evil.example/x' });
    expect(ran.status).toBe(303);
    expect(ran.headers.get('location')).toBe('/ui/schedules/adhoc');
    await eventually(async () => {
      const [job, ...others] = await jobs();
      expect(others).toHaveLength(0);
      expect(job).toMatchObject({ source: 'manual', status: 'succeeded', result: { echoed: { n: 1 } } });
    });
    // A paused schedule runs on demand and stays paused.
    expect((await stack.scheduler.getSchedule('adhoc')).paused).toBe(true);
    const page = await (await stack.app.request('/ui/schedules/adhoc', { headers: { cookie } })).text();
    expect(page).toContain('succeeded');

    const unknown = await post('/ui/schedules/nope/run', { _csrf: csrf });
    expect(unknown.status).toBe(400);
    expect(await unknown.text()).toContain('Not done');
  });
});

describe('replica pages', () => {
  it('render without login, offer no action and refuse every POST', async () => {
    stack = await createMasterStack();
    cookie = stack.cookie;
    await stack.scheduler.createSchedule({
      id: 'nightly',
      task: 'echo',
      trigger: { type: 'cron', expression: '0 2 * * *', timezone: 'UTC' },
      args: {},
      metadata: {},
      paused: false,
      misfireGraceSeconds: 60,
      coalesce: 'latest',
      maxInstances: 1,
      retry: { maxAttempts: 1, backoffMs: 1000, backoffFactor: 2 },
      timeoutSeconds: 60,
      target: { tags: [] },
    });
    const app = createReplicaApp(stack.store);
    const page = await app.request('/ui/schedules');
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('nightly');
    expect(html).not.toContain('<form class="inline" method="post"');
    expect(html).not.toContain('New schedule');
    expect((await app.request('/ui/schedules/nightly/pause', { method: 'POST' })).status).toBe(403);
    expect((await app.request('/ui/login')).status).toBe(404);
  });
});
