import type { CreateScheduleBody } from '@schedulezero/protocol';
import { type Scheduler, SchedulerError } from '@schedulezero/scheduler-core';
import type { Context, Hono } from 'hono';
import { deleteCookie, setCookie } from 'hono/cookie';
import { FAVICON_PATH } from '../assets.ts';
import { type Html, h } from '../format/html.ts';
import { describeTrigger } from '../format/trigger-words.ts';
import type { PageContext } from '../layout.ts';
import { page } from '../layout.ts';
import {
  createSchedulePage,
  EMPTY_FORM,
  type FormMode,
  loginPage,
  previewBlock,
  type ScheduleFormValues,
} from '../pages/forms.ts';
import {
  describeError,
  formValues,
  keepTriggerExtras,
  parseScheduleForm,
  parseTrigger,
  refusalErrors,
} from '../schedule-form.ts';
import { registerOperatorActions } from './operator-actions.ts';
import { CSRF_FIELD, isSameOrigin, SESSION_COOKIE, type SessionGuard, type SessionStore } from './session.ts';

interface ActionOptions {
  mutations: Scheduler;
  guard: SessionGuard;
  sessions: SessionStore;
  /** Session cookie settings: `Secure`, and its lifetime (the session's). */
  cookie: { secure: boolean; maxAgeSeconds: number };
  loginThrottle?: LoginThrottle | undefined;
  needsLogin: boolean;
  session: (c: Context) => string;
  contextOf: (c: Context) => PageContext;
  render: (
    c: Context,
    title: string,
    section: string,
    body: Html,
    status?: 200 | 400 | 404 | 409,
  ) => Response;
}

/**
 * The node's limit on failed logins per client address (the API's auth throttle): milliseconds
 * to wait before this request's address may try again (0: it may), and the record of a failure.
 */
export interface LoginThrottle {
  waitMs(c: Context): number;
  failed(c: Context): void;
}

const PUBLIC = new Set(['/ui/login', '/ui/assets/app.css', '/ui/assets/live.js', FAVICON_PATH]);

// biome-ignore lint/suspicious/noExplicitAny: any hono app (OpenAPIHono included) whatever its env
export function registerActions(app: Hono<any, any, any>, options: ActionOptions): void {
  const { mutations, guard, sessions, session, contextOf, render } = options;

  // The login: an open session's id in the HttpOnly cookie, else every page redirects to the form.
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
    if (!options.needsLogin || PUBLIC.has(c.req.path) || sessions.isOpen(session(c))) return next();
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
    const ctx = { ...contextOf(c), loggedIn: false };
    const waitMs = options.loginThrottle?.waitMs(c) ?? 0;
    if (waitMs > 0) {
      c.header('Retry-After', String(Math.ceil(waitMs / 1000)));
      const message = 'Too many failed logins from this address: try again later.';
      return c.html(page(ctx, 'Log in', '', loginPage(next, message)), 429);
    }
    if (!guard.acceptsToken(token)) {
      options.loginThrottle?.failed(c);
      return c.html(page(ctx, 'Log in', '', loginPage(next, 'That token is not valid on this node.')), 401);
    }
    // A new id at every login: a session id planted before the login is never promoted.
    sessions.close(session(c));
    setCookie(c, SESSION_COOKIE, sessions.open(), {
      httpOnly: true,
      sameSite: 'Strict',
      path: '/ui',
      secure: options.cookie.secure || new URL(c.req.url).protocol === 'https:',
      maxAge: options.cookie.maxAgeSeconds,
    });
    return c.redirect(next, 303);
  });
  app.post('/ui/logout', (c) => {
    sessions.close(session(c));
    deleteCookie(c, SESSION_COOKIE, { path: '/ui', secure: options.cookie.secure });
    return c.redirect('/ui/login', 303);
  });

  const methods = () => mutations.offeredTasks();
  const preview = (values: ScheduleFormValues) => {
    const parsed = parseTrigger(values);
    if (!parsed.ok) return previewBlock(undefined, '', parsed.errors.map(describeError).join('; '));
    try {
      const times = mutations.previewTrigger(parsed.trigger, 5, new Date());
      return previewBlock(times, describeTrigger(parsed.trigger), undefined);
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
    const body = await c.req.parseBody();
    const values = formValues(body);
    const cloneOf = typeof body.cloneOf === 'string' && body.cloneOf !== '' ? body.cloneOf : undefined;
    const mode: FormMode = cloneOf === undefined ? { kind: 'create' } : { kind: 'clone', from: cloneOf };
    const parsed = parseScheduleForm(values);
    let errors = parsed.ok ? [] : parsed.errors;
    if (parsed.ok) {
      try {
        const schedule = await mutations.createSchedule(
          cloneOf === undefined ? parsed.body : await cloneBody(mutations, cloneOf, parsed.body),
        );
        // Created, but no handler offers its task: the schedule's page says so (a typo?).
        const [warning] = await mutations.taskWarnings(schedule.task);
        const query = warning ? `?warning=${warning.code}` : '';
        return c.redirect(`/ui/schedules/${encodeURIComponent(schedule.id)}${query}`, 303);
      } catch (error) {
        if (!(error instanceof SchedulerError)) throw error;
        errors = refusalErrors(error);
      }
    }
    const page = createSchedulePage(contextOf(c), values, await methods(), errors, preview(values), mode);
    return render(c, 'New schedule', 'schedules', page, 400);
  });

  const act = (action: 'pause' | 'resume' | 'run') =>
    app.post(`/ui/schedules/:id/${action}`, async (c) => {
      const id = c.req.param('id') as string;
      try {
        if (action === 'pause') await mutations.pauseSchedule(id);
        else if (action === 'resume') await mutations.resumeSchedule(id);
        else await mutations.runNow(id);
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
  for (const action of ['pause', 'resume', 'run'] as const) act(action);
  registerOperatorActions(app, { mutations, contextOf, render, methods, preview });
}

/**
 * A copy of `from` with the form's fields: what the form does not show (retry, timeout, target,
 * coalescing, misfire grace, instances, metadata) is taken from the original.
 */
async function cloneBody(
  mutations: Scheduler,
  from: string,
  form: CreateScheduleBody,
): Promise<CreateScheduleBody> {
  const source = await mutations.getSchedule(from);
  const { metadata, misfireGraceSeconds, coalesce, maxInstances, retry, timeoutSeconds, target } = source;
  return {
    ...form,
    trigger: keepTriggerExtras(source.trigger, form.trigger),
    metadata,
    misfireGraceSeconds,
    coalesce,
    maxInstances,
    retry,
    timeoutSeconds,
    target,
  };
}

/** Only a path under /ui may follow a login (no open redirect). */
function safeNext(next: string | undefined): string {
  return next?.startsWith('/ui/') && !next.startsWith('//') ? next : '/ui/schedules';
}
