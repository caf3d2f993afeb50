import { type Scheduler, SchedulerError } from '@schedulezero/scheduler-core';
import type { Context, Hono } from 'hono';
import { deleteCookie, setCookie } from 'hono/cookie';
import { type Html, h } from './html.ts';
import type { PageContext } from './layout.ts';
import { page } from './layout.ts';
import {
  createSchedulePage,
  EMPTY_FORM,
  loginPage,
  previewBlock,
  type ScheduleFormValues,
} from './pages/forms.ts';
import { parseScheduleForm } from './schedule-form.ts';
import { CSRF_FIELD, isSameOrigin, SESSION_COOKIE, type SessionGuard } from './session.ts';
import { describeTrigger } from './trigger-words.ts';

interface ActionOptions {
  mutations: Scheduler;
  guard: SessionGuard;
  needsLogin: boolean;
  session: (c: Context) => string;
  contextOf: (c: Context) => PageContext;
  render: (c: Context, title: string, section: string, body: Html, status?: 200 | 400 | 404) => Response;
}

const PUBLIC = new Set(['/ui/login', '/ui/assets/app.css', '/ui/assets/live.js']);

// biome-ignore lint/suspicious/noExplicitAny: any hono app (OpenAPIHono included) whatever its env
export function registerActions(app: Hono<any, any, any>, options: ActionOptions): void {
  const { mutations, guard, session, contextOf, render } = options;

  // The login: a valid API token in the HttpOnly cookie, else every page redirects to the form.
  app.use('/ui/*', async (c, next) => {
    if (c.req.method === 'POST') {
      const headers = {
        origin: c.req.header('origin'),
        host: c.req.header('host'),
        secFetchSite: c.req.header('sec-fetch-site'),
        requestUrl: c.req.url,
      };
      if (!isSameOrigin(headers)) return c.text('Cross-origin form posts are refused.', 403);
    }
    if (!options.needsLogin || PUBLIC.has(c.req.path) || guard.acceptsToken(session(c))) return next();
    if (c.req.method !== 'GET') return c.text('Log in first.', 401);
    if (c.req.path.startsWith('/ui/partials/')) return c.text('Log in first.', 401);
    return c.redirect(`/ui/login?next=${encodeURIComponent(c.req.path)}`);
  });
  // Every form POST but the login carries the session's CSRF token.
  app.use('/ui/*', async (c, next) => {
    if (c.req.method !== 'POST' || c.req.path === '/ui/login') return next();
    const body = await c.req.parseBody();
    const presented = typeof body[CSRF_FIELD] === 'string' ? body[CSRF_FIELD] : undefined;
    if (!guard.checkCsrf(session(c), presented)) return c.text('Invalid or missing CSRF token.', 403);
    return next();
  });

  app.get('/ui/login', (c) => {
    if (!options.needsLogin) return c.redirect('/ui/schedules');
    return c.html(
      page(
        { ...contextOf(c), loggedIn: false },
        'Log in',
        '',
        loginPage(safeNext(c.req.query('next')), undefined),
      ),
    );
  });
  app.post('/ui/login', async (c) => {
    const body = await c.req.parseBody();
    const token = typeof body.token === 'string' ? body.token : '';
    const next = safeNext(typeof body.next === 'string' ? body.next : undefined);
    if (!guard.acceptsToken(token)) {
      const ctx = { ...contextOf(c), loggedIn: false };
      return c.html(page(ctx, 'Log in', '', loginPage(next, 'That token is not valid on this node.')), 401);
    }
    setCookie(c, SESSION_COOKIE, token, {
      httpOnly: true,
      sameSite: 'Strict',
      path: '/ui',
      secure: new URL(c.req.url).protocol === 'https:',
      maxAge: 12 * 3600,
    });
    return c.redirect(next, 303);
  });
  app.post('/ui/logout', (c) => {
    deleteCookie(c, SESSION_COOKIE, { path: '/ui' });
    return c.redirect('/ui/login', 303);
  });

  const methods = async () => [...new Set((await mutations.listHandlers()).flatMap((x) => x.methods))].sort();
  const preview = (values: ScheduleFormValues) => {
    const parsed = parseScheduleForm(values);
    if (!parsed.ok) return previewBlock(undefined, '', parsed.errors.join('; '));
    try {
      const times = mutations.previewTrigger(parsed.body.trigger, 5, new Date());
      return previewBlock(times, describeTrigger(parsed.body.trigger), undefined);
    } catch (error) {
      return previewBlock(undefined, '', error instanceof Error ? error.message : String(error));
    }
  };

  app.get('/ui/schedules/new', async (c) =>
    render(
      c,
      'New schedule',
      'schedules',
      createSchedulePage(contextOf(c), EMPTY_FORM, await methods(), [], preview(EMPTY_FORM)),
    ),
  );
  app.post('/ui/schedules/preview', async (c) => {
    const values = formValues(await c.req.parseBody());
    if (c.req.header('x-requested-with') === 'fetch') return c.html(preview(values));
    return render(
      c,
      'New schedule',
      'schedules',
      createSchedulePage(contextOf(c), values, await methods(), [], preview(values)),
    );
  });
  app.post('/ui/schedules', async (c) => {
    const values = formValues(await c.req.parseBody());
    const parsed = parseScheduleForm(values);
    let errors = parsed.ok ? [] : parsed.errors;
    if (parsed.ok) {
      try {
        const schedule = await mutations.createSchedule(parsed.body);
        // Created, but no handler offers its task: the schedule's page says so (a typo?).
        const [warning] = await mutations.taskWarnings(schedule.task);
        const query = warning ? `?warning=${warning.code}` : '';
        return c.redirect(`/ui/schedules/${encodeURIComponent(schedule.id)}${query}`, 303);
      } catch (error) {
        if (!(error instanceof SchedulerError)) throw error;
        errors = [error.message, ...(error.details ?? []).map((d) => `${d.path}: ${d.message}`)];
      }
    }
    const body = createSchedulePage(contextOf(c), values, await methods(), errors, preview(values));
    return render(c, 'New schedule', 'schedules', body, 400);
  });

  const act = (action: 'pause' | 'resume' | 'run' | 'delete') =>
    app.post(`/ui/schedules/:id/${action}`, async (c) => {
      const id = c.req.param('id') as string;
      try {
        if (action === 'pause') await mutations.pauseSchedule(id);
        else if (action === 'resume') await mutations.resumeSchedule(id);
        else if (action === 'run') await mutations.runNow(id);
        else {
          await mutations.deleteSchedule(id);
          return c.redirect('/ui/schedules', 303);
        }
      } catch (error) {
        if (!(error instanceof SchedulerError)) throw error;
        return render(
          c,
          'Action refused',
          'schedules',
          h`<h1>Not done</h1><p class="error">${error.message}</p><p><a href="/ui/schedules">Back to schedules</a></p>`,
          400,
        );
      }
      const back = c.req.header('referer');
      const target =
        back && new URL(back).host === new URL(c.req.url).host
          ? new URL(back).pathname + new URL(back).search
          : `/ui/schedules/${encodeURIComponent(id)}`;
      return c.redirect(target, 303);
    });
  for (const action of ['pause', 'resume', 'run', 'delete'] as const) act(action);
}

/** Only a path under /ui may follow a login (no open redirect). */
function safeNext(next: string | undefined): string {
  return next?.startsWith('/ui/') && !next.startsWith('//') ? next : '/ui/schedules';
}

function formValues(body: Record<string, unknown>): ScheduleFormValues {
  const text = (key: keyof ScheduleFormValues) =>
    typeof body[key] === 'string' ? (body[key] as string) : '';
  return {
    id: text('id'),
    task: text('task'),
    triggerType: text('triggerType') || 'cron',
    expression: text('expression'),
    timezone: text('timezone') || 'UTC',
    seconds: text('seconds'),
    at: text('at'),
    args: text('args') || '{}',
    paused: body.paused === '1',
  };
}
