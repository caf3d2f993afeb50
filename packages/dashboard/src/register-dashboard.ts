import { type ClusterJson, LAST_INSTANT_MS } from '@schedulezero/protocol';
import { type ReadScheduler, type Scheduler, SchedulerError } from '@schedulezero/scheduler-core';
import type { Context, Hono } from 'hono';
import { getCookie } from 'hono/cookie';
import { FAVICON_PATH, FAVICON_SVG, LIVE_SCRIPT, STYLESHEET } from './assets.ts';
import { loadChartData } from './data/chart-data.ts';
import { historyFilterOf, historyQuery, loadHistory } from './data/history-query.ts';
import { loadOverview } from './data/overview-data.ts';
import { type Html, h } from './format/html.ts';
import { live, type PageContext, page } from './layout.ts';
import { chartsBody } from './pages/charts.ts';
import { clusterBody } from './pages/cluster.ts';
import { noHandlerNotice } from './pages/forms.ts';
import { handlersGrid } from './pages/handlers.ts';
import { historyPage, jobDetailPage, jobsTable } from './pages/history.ts';
import { overviewBody } from './pages/overview.ts';
import { replicationBody } from './pages/replication.ts';
import { scheduleDetailPage } from './pages/schedule-detail.ts';
import { loadSchedules, schedulesPage, schedulesTable } from './pages/schedules.ts';
import { type LoginThrottle, registerActions } from './routes/actions.ts';
import { createSessionGuard, createSessionStore, SESSION_COOKIE } from './routes/session.ts';
import { registerStatusPage } from './routes/status-routes.ts';

export interface DashboardOptions {
  reads: ReadScheduler;
  /** The master's scheduler; absent (or ignored when `readOnly`) on a replica. */
  mutations?: Scheduler | undefined;
  readOnly: boolean;
  /** Whether the master's pages need a login (the API's `requireAuth`). */
  requireAuth: boolean;
  /** The API tokens a login accepts. */
  tokens: readonly string[];
  nodeName: string;
  /** The master's view of its cluster (GET /api/cluster's provider); absent on a replica. */
  cluster?: (() => Promise<ClusterJson>) | undefined;
  /** The node's replication status (GET /api/replication's provider). */
  replication?: (() => Promise<object>) | undefined;
  /** Login sessions: lifetime and how many are kept (default 12 h, 1000; the oldest is evicted). */
  sessions?: { ttlSeconds: number; max: number } | undefined;
  /** `Secure` on the session cookie (the node is served over https); also set for https requests. */
  secureCookies?: boolean | undefined;
  /** Limits failed logins per client address (the API's auth throttle). */
  loginThrottle?: LoginThrottle | undefined;
  /** Serves the public status page at /status and /status.json (no login). */
  statusPage?: boolean | undefined;
  /** A fixed CSRF key (tests); random per process otherwise. */
  csrfKey?: Buffer;
  now?: () => Date;
}

const DEFAULT_SESSIONS = { ttlSeconds: 12 * 3600, max: 1000 };

// biome-ignore lint/suspicious/noExplicitAny: any hono app (OpenAPIHono included) whatever its env
type AnyHono = Hono<any, any, any>;

/**
 * Mounts the dashboard under /ui: the master's admin pages with actions behind a login, or a
 * replica's read-only pages from its own store (no login, no forms, every POST refused).
 */
export function registerDashboard(app: AnyHono, options: DashboardOptions): void {
  const { reads } = options;
  const mutations = options.readOnly ? undefined : options.mutations;
  const needsLogin = mutations !== undefined && options.requireAuth;
  const guard = createSessionGuard(options.tokens, options.csrfKey);
  const now = options.now ?? (() => new Date());
  const sessionLimits = options.sessions ?? DEFAULT_SESSIONS;
  const sessions = createSessionStore({
    ttlMs: sessionLimits.ttlSeconds * 1000,
    max: sessionLimits.max,
    now: () => now().getTime(),
  });

  const session = (c: Context) => getCookie(c, SESSION_COOKIE) ?? '';
  // The cluster of masters is seen from a master; a replica follows one master and has no such page.
  const { cluster } = options;
  const clusterPage = cluster !== undefined && mutations !== undefined;
  const contextOf = (c: Context): PageContext => ({
    nodeName: options.nodeName,
    readOnly: mutations === undefined,
    csrf: mutations === undefined ? '' : guard.csrfToken(session(c)),
    loggedIn: needsLogin,
    now: now(),
    clusterPage,
  });
  const render = (
    c: Context,
    title: string,
    section: string,
    body: Html,
    status: 200 | 400 | 404 | 409 = 200,
  ) => {
    c.header('Cache-Control', 'no-store');
    return c.html(page(contextOf(c), title, section, body), status);
  };
  const fragment = (c: Context, body: Html) => {
    c.header('Cache-Control', 'no-store');
    return c.html(body);
  };

  app.get('/ui/assets/app.css', (c) =>
    c.body(STYLESHEET, 200, { 'Content-Type': 'text/css; charset=utf-8' }),
  );
  app.get(FAVICON_PATH, (c) =>
    c.body(FAVICON_SVG, 200, { 'Content-Type': 'image/svg+xml', 'Cache-Control': 'max-age=86400' }),
  );
  app.get('/ui/assets/live.js', (c) =>
    c.body(LIVE_SCRIPT, 200, { 'Content-Type': 'text/javascript; charset=utf-8' }),
  );
  app.use('/ui/*', async (c, next) => {
    c.header('X-Frame-Options', 'DENY');
    c.header('Referrer-Policy', 'same-origin');
    c.header(
      'Content-Security-Policy',
      "default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
    );
    await next();
  });

  if (mutations === undefined) {
    app.post('/ui/*', (c) =>
      c.text('This node is read-only. Mutations must be performed on admin node.', 403),
    );
  } else {
    registerActions(app, {
      mutations,
      guard,
      sessions,
      cookie: { secure: options.secureCookies ?? false, maxAgeSeconds: sessionLimits.ttlSeconds },
      loginThrottle: options.loginThrottle,
      needsLogin,
      session,
      contextOf,
      render,
    });
  }

  if (options.statusPage) registerStatusPage(app, reads, now);

  app.get('/ui', (c) => c.redirect('/ui/overview'));
  app.get('/ui/', (c) => c.redirect('/ui/overview'));

  const overviewLive = async () => {
    const status = options.replication
      ? ((await options.replication()) as Record<string, unknown>)
      : undefined;
    const body = overviewBody(await loadOverview(reads, now()), status, mutations === undefined, now());
    return live('overview', '/ui/partials/overview', body, 5000);
  };
  app.get('/ui/overview', async (c) =>
    render(c, 'Overview', 'overview', h`<h1>Overview</h1>${await overviewLive()}`),
  );
  app.get('/ui/partials/overview', async (c) => fragment(c, await overviewLive()));

  app.get('/ui/schedules', async (c) => {
    const q = c.req.query('q') ?? '';
    const cursor = c.req.query('cursor') ?? '';
    const listing = await loadSchedules(reads, q, cursor || undefined);
    return render(c, 'Schedules', 'schedules', schedulesPage(contextOf(c), listing, q, cursor));
  });
  app.get('/ui/partials/schedules', async (c) => {
    const q = c.req.query('q') ?? '';
    const cursor = c.req.query('cursor') ?? '';
    const listing = await loadSchedules(reads, q, cursor || undefined);
    const src = `/ui/partials/schedules?${new URLSearchParams({ q, ...(cursor ? { cursor } : {}) }).toString()}`;
    return fragment(c, schedulesTable(contextOf(c), listing, q, src));
  });
  app.get('/ui/schedules/:id', async (c) => {
    const id = c.req.param('id');
    try {
      const schedule = await reads.getSchedule(id);
      const [upcoming, jobs] = await Promise.all([
        reads.nextFireTimes(id, 10, now()),
        reads.listJobs({ limit: 20, scheduleId: id }),
      ]);
      // Past year 9999 an ISO date is no RFC 3339 date-time any more: the API refuses such fire times.
      const fireTimes = upcoming.filter((at) => at.getTime() <= LAST_INSTANT_MS);
      return render(
        c,
        `Schedule ${id}`,
        'schedules',
        scheduleDetailPage(
          contextOf(c),
          schedule,
          fireTimes,
          jobs.items,
          c.req.query('warning') === 'no_handler_for_task' ? noHandlerNotice(schedule.task) : '',
        ),
      );
    } catch (error) {
      return notFound(c, error, `Schedule ${id} does not exist.`, render);
    }
  });
  app.get('/ui/partials/schedules/:id/jobs', async (c) => {
    const id = c.req.param('id');
    const jobs = await reads.listJobs({ limit: 20, scheduleId: id });
    const table = jobsTable(contextOf(c), jobs.items, 'Recent jobs of this schedule');
    return fragment(c, live('schedule-jobs', `/ui/partials/schedules/${encodeURIComponent(id)}/jobs`, table));
  });

  const handlersBody = async () =>
    live('handlers-grid', '/ui/partials/handlers', handlersGrid(await reads.listHandlers(), now()), 3000);
  app.get('/ui/handlers', async (c) =>
    render(c, 'Handlers', 'handlers', h`<h1>Handlers</h1>${await handlersBody()}`),
  );
  app.get('/ui/partials/handlers', async (c) => fragment(c, await handlersBody()));

  const historyFilter = (c: Context) => historyFilterOf((name) => c.req.query(name));
  app.get('/ui/history', async (c) => {
    const filter = historyFilter(c);
    const history = await loadHistory(reads, filter);
    return render(c, 'History', 'history', historyPage(contextOf(c), filter, history));
  });
  app.get('/ui/partials/history', async (c) => {
    const filter = { ...historyFilter(c), cursor: '' };
    const history = await loadHistory(reads, filter);
    return fragment(
      c,
      live(
        'history-table',
        `/ui/partials/history?${historyQuery(filter)}`,
        jobsTable(contextOf(c), history.jobs, 'Executions, newest first'),
      ),
    );
  });
  app.get('/ui/jobs/:id', async (c) => {
    const id = c.req.param('id');
    try {
      return render(c, `Job ${id}`, 'history', jobDetailPage(contextOf(c), await reads.getJob(id)));
    } catch (error) {
      return notFound(c, error, `Job ${id} does not exist.`, render);
    }
  });

  const chartsLive = async () =>
    live('charts', '/ui/partials/charts', chartsBody(await loadChartData(reads, now())), 5000);
  app.get('/ui/charts', async (c) =>
    render(
      c,
      'Charts',
      'charts',
      h`<h1>Charts <span class="muted">(last hour)</span></h1>${await chartsLive()}`,
    ),
  );
  app.get('/ui/partials/charts', async (c) => fragment(c, await chartsLive()));

  const replicationLive = async () =>
    live(
      'replication',
      '/ui/partials/replication',
      replicationBody(
        options.replication ? ((await options.replication()) as Record<string, unknown>) : undefined,
      ),
      3000,
    );
  app.get('/ui/replication', async (c) =>
    render(c, 'Replication', 'replication', h`<h1>Replication</h1>${await replicationLive()}`),
  );
  app.get('/ui/partials/replication', async (c) => fragment(c, await replicationLive()));

  if (clusterPage) {
    const clusterLive = async () =>
      live('cluster', '/ui/partials/cluster', clusterBody(await cluster(), now()), 3000);
    app.get('/ui/cluster', async (c) =>
      render(c, 'Cluster', 'cluster', h`<h1>Cluster</h1>${await clusterLive()}`),
    );
    app.get('/ui/partials/cluster', async (c) => fragment(c, await clusterLive()));
  }
}

function notFound(
  c: Context,
  error: unknown,
  message: string,
  render: (c: Context, title: string, section: string, body: Html, status: 404) => Response,
): Response {
  if (!(error instanceof SchedulerError) || error.code !== 'not_found') throw error;
  return render(c, 'Not found', '', h`<h1>Not found</h1><p>${message}</p>`, 404);
}
