import { OpenAPIHono } from '@hono/zod-openapi';
import { FAVICON_SVG, registerDashboard } from '@schedulezero/dashboard';
import type { ReadScheduler, Scheduler } from '@schedulezero/scheduler-core';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { HTTPException } from 'hono/http-exception';
import { CACHEABLE_ROUTES, cachedReads, readCacheControl } from './caching/cached-reads.ts';
import type { DataVersion } from './caching/data-version.ts';
import { wholeRows, zoneRows } from './caching/read-views.ts';
import { createResponseCache } from './caching/response-cache.ts';
import { createErrorHandler, notFoundHandler, validationResponse } from './errors.ts';
import { bearerAuth } from './guards/auth.ts';
import { createAuthThrottle } from './guards/auth-throttle.ts';
import { clientAddress, forwardedClients } from './guards/client-address.ts';
import { createFairUse } from './guards/rate-limit.ts';
import { readOnlyGuard } from './guards/read-only.ts';
import { DOCS_PAGE_HTML } from './openapi/docs-page.ts';
import { registerOpenApiDocument } from './openapi/openapi-document.ts';
import { type ClusterProvider, registerClusterRoute } from './routes/cluster.ts';
import { registerJobMutationRoutes, registerJobRoutes } from './routes/jobs.ts';
import { type ReplicationProvider, registerReplicationRoute } from './routes/replication.ts';
import { registerScheduleMutationRoutes, registerScheduleReadRoutes } from './routes/schedules.ts';
import { registerSystemRoutes, type SystemRoutesOptions } from './routes/system.ts';
import type { ApiOptions, AppLogger } from './types.ts';

export interface NodeAppOptions {
  /** What the GET routes read: the master's scheduler, or a read-only facade over a replica's store. */
  reads: ReadScheduler;
  /** What the mutation routes call; ignored (and no mutation route exists) when `readOnly`. */
  mutations?: Scheduler | undefined;
  /** A replica: every POST/PUT/PATCH/DELETE under /api/ gets 403 `read_only`, whatever else is configured. */
  readOnly: boolean;
  api: ApiOptions;
  logger: AppLogger;
  /** The node name, a label of the Prometheus metrics. */
  node?: string;
  version?: string;
  /** False once shutdown began (readiness then fails). */
  accepting?: () => boolean;
  /** A cheap database round trip for readiness. */
  ping?: () => Promise<void>;
  startedAt?: Date;
  /** Metrics of the node's other components (handler link, ZAP handler, replication). */
  components?: SystemRoutesOptions['components'];
  /** Why the node is not ready beyond its database (a replica behind), undefined when it is. */
  notReady?: SystemRoutesOptions['notReady'];
  /** Serves GET /api/replication. */
  replication?: ReplicationProvider;
  /** Serves GET /api/cluster (master). */
  cluster?: ClusterProvider;
  /** Serves the dashboard under /ui (default true): actions on the master, read-only pages on a replica. */
  dashboard?: boolean;
  /**
   * The node's data version (data-version.ts): with it, the cacheable reads carry an ETag, answer
   * a matching If-None-Match with 304 and are cached per request within `api.cache.maxBytes`.
   */
  dataVersion?: DataVersion | undefined;
  /** What the answers depend on besides the data and the software version (a replica's zone and kinds). */
  cacheScope?: string;
  /** The clock of the auth throttle and the dashboard sessions, in ms (tests move it). */
  now?: () => number;
}

const DEFAULT_AUTH_THROTTLE = { maxFailures: 10, windowSeconds: 60, maxClients: 10_000 };
const DEFAULT_CACHE = { maxBytes: 16 * 1024 * 1024, maxAgeSeconds: 1 };
const DEFAULT_RATE_LIMIT = { perSecond: 100, burst: 200, maxClients: 10_000 };
const DEFAULT_MAX_IN_FLIGHT = 256;
/** Probes and metrics answer whatever the load: an orchestrator must not restart a busy node. */
const ALWAYS_SERVED = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * A node's HTTP API as a hono app, shared by master and replica; the node's `main.ts` serves it,
 * tests call `app.request()`.
 */
export function createNodeApp(options: NodeAppOptions): OpenAPIHono {
  const { api, logger, reads } = options;
  const mutations = options.readOnly ? undefined : options.mutations;
  const app = new OpenAPIHono({
    // Every zod failure (body, query, path) gets the same 400 body naming the field.
    defaultHook: (result, c) =>
      result.success ? undefined : validationResponse(c, result.target, result.error),
  });
  app.onError(createErrorHandler(logger));
  app.notFound(notFoundHandler);

  app.use('*', async (c, next) => {
    const started = performance.now();
    await next();
    const ms = Math.round((performance.now() - started) * 10) / 10;
    logger.debug({ method: c.req.method, path: c.req.path, status: c.res.status, ms }, 'request');
  });
  if (api.trustProxy !== undefined && api.trustProxy.length > 0)
    app.use('*', forwardedClients(api.trustProxy));
  const fairUse = createFairUse(
    { rateLimit: api.rateLimit ?? DEFAULT_RATE_LIMIT, maxInFlight: api.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT },
    options.now,
  );
  if (options.readOnly) {
    for (const check of [fairUse.inFlightCap, fairUse.rateLimit])
      app.use('*', (c, next) => (ALWAYS_SERVED.has(c.req.path) ? next() : check(c, next)));
  }
  if (api.allowedOrigins.length > 0) {
    app.use(
      '*',
      cors({
        origin: api.allowedOrigins.includes('*') ? '*' : [...api.allowedOrigins],
        allowMethods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
        allowHeaders: ['Authorization', 'Content-Type'],
        maxAge: 600,
      }),
    );
  }
  // Before auth: a read-only node refuses a mutation the same way whoever asks.
  if (options.readOnly) app.use('/api/*', readOnlyGuard());
  const throttle = createAuthThrottle(api.authThrottle ?? DEFAULT_AUTH_THROTTLE, options.now);
  if (api.requireAuth) app.use('/api/*', bearerAuth(api.tokens, { throttle, logger }));
  const limitBody = bodyLimit({
    maxSize: api.maxBodyBytes,
    onError: () => {
      throw new HTTPException(413);
    },
  });
  // Not on reads: no read route takes a body, and the check asks the Node adaptor for the whole
  // WHATWG Request (with an AbortController) that it otherwise never builds.
  app.use('/api/*', (c, next) =>
    c.req.method === 'GET' || c.req.method === 'HEAD' ? next() : limitBody(c, next),
  );

  const cacheOptions = api.cache ?? DEFAULT_CACHE;
  const cache = createResponseCache(cacheOptions.maxBytes);
  if (options.dataVersion) {
    const conditional = cachedReads({
      version: options.dataVersion,
      cache,
      scope: `${options.version ?? ''}|${options.cacheScope ?? ''}`,
      cacheControl: readCacheControl(options.readOnly && !api.requireAuth, cacheOptions.maxAgeSeconds),
    });
    for (const route of CACHEABLE_ROUTES) app.use(route, conditional);
  }

  const views = options.readOnly ? zoneRows : wholeRows;
  registerScheduleReadRoutes(app, reads, views);
  if (mutations) registerScheduleMutationRoutes(app, mutations);
  registerJobRoutes(app, reads, views);
  if (mutations) registerJobMutationRoutes(app, mutations);
  if (options.replication) registerReplicationRoute(app, options.replication);
  if (options.cluster) registerClusterRoute(app, options.cluster);
  registerSystemRoutes(app, {
    scheduler: reads,
    logger,
    node: options.node ?? (options.readOnly ? 'replica' : 'master'),
    startedAt: options.startedAt ?? new Date(),
    accepting: options.accepting ?? (() => true),
    ...(options.ping ? { ping: options.ping } : {}),
    components: () => {
      const other = options.components?.();
      return {
        summary: other?.summary ?? {},
        families: [
          ...(other?.families ?? []),
          ...throttle.families(),
          ...cache.families(),
          ...fairUse.families(),
        ],
      };
    },
    ...(options.notReady ? { notReady: options.notReady } : {}),
  });

  registerOpenApiDocument(app, { readOnly: options.readOnly, api, version: options.version });
  if (api.docs) app.get('/docs', (c) => c.html(DOCS_PAGE_HTML));
  // Browsers ask every host for /favicon.ico (the API page links it too): an icon, not a 404.
  app.get('/favicon.ico', (c) =>
    c.body(FAVICON_SVG, 200, { 'Content-Type': 'image/svg+xml', 'Cache-Control': 'max-age=86400' }),
  );
  if (options.dashboard !== false) {
    const { readOnly, replication, now } = options;
    const nodeName = options.node ?? (readOnly ? 'replica' : 'master');
    registerDashboard(app, {
      reads,
      mutations,
      readOnly,
      requireAuth: api.requireAuth,
      tokens: api.tokens,
      nodeName,
      replication,
      statusPage: api.statusPage ?? false,
      cluster: options.cluster,
      sessions: api.sessions,
      secureCookies: api.secureCookies ?? api.publicUrl?.startsWith('https:') ?? false,
      loginThrottle: {
        waitMs: (c) => {
          const address = clientAddress(c);
          const waitMs = throttle.refuse(address);
          if (waitMs > 0) logger.warn({ address, path: c.req.path }, 'dashboard login refused: throttled');
          return waitMs;
        },
        failed: (c) => {
          const address = clientAddress(c);
          throttle.failed(address, 'wrong_token');
          logger.warn({ address, path: c.req.path, reason: 'wrong_token' }, 'dashboard login refused');
        },
      },
      ...(now ? { now: () => new Date(now()) } : {}),
    });
  }
  return app;
}
