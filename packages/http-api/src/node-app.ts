import { OpenAPIHono } from '@hono/zod-openapi';
import { registerDashboard } from '@schedulezero/dashboard';
import type { ReadScheduler, Scheduler } from '@schedulezero/scheduler-core';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { HTTPException } from 'hono/http-exception';
import { bearerAuth } from './auth.ts';
import { DOCS_PAGE_HTML } from './docs-page.ts';
import { createErrorHandler, notFoundHandler, validationResponse } from './errors.ts';
import { readOnlyGuard } from './read-only.ts';
import { type ClusterProvider, registerClusterRoute } from './routes/cluster.ts';
import { registerJobRoutes } from './routes/jobs.ts';
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
}

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
  if (api.requireAuth) app.use('/api/*', bearerAuth(api.tokens));
  app.use(
    '/api/*',
    bodyLimit({
      maxSize: api.maxBodyBytes,
      onError: () => {
        throw new HTTPException(413);
      },
    }),
  );

  registerScheduleReadRoutes(app, reads);
  if (mutations) registerScheduleMutationRoutes(app, mutations);
  registerJobRoutes(app, reads);
  if (options.replication) registerReplicationRoute(app, options.replication);
  if (options.cluster) registerClusterRoute(app, options.cluster);
  registerSystemRoutes(app, {
    scheduler: reads,
    logger,
    node: options.node ?? (options.readOnly ? 'replica' : 'master'),
    startedAt: options.startedAt ?? new Date(),
    accepting: options.accepting ?? (() => true),
    ...(options.ping ? { ping: options.ping } : {}),
    ...(options.components ? { components: options.components } : {}),
    ...(options.notReady ? { notReady: options.notReady } : {}),
  });

  let document: unknown;
  app.get('/openapi.json', (c) => {
    document ??= buildDocument(app, options);
    return c.json(document as object);
  });
  if (api.docs) app.get('/docs', (c) => c.html(DOCS_PAGE_HTML));
  if (options.dashboard !== false) {
    const { readOnly, replication } = options;
    const nodeName = options.node ?? (readOnly ? 'replica' : 'master');
    registerDashboard(app, {
      reads,
      mutations,
      readOnly,
      requireAuth: api.requireAuth,
      tokens: api.tokens,
      nodeName,
      replication,
    });
  }
  return app;
}

function buildDocument(app: OpenAPIHono, options: NodeAppOptions): object {
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    description: 'A token from api.tokens or SCHEDULEZERO_API_TOKEN',
  });
  const document = app.getOpenAPI31Document({
    openapi: '3.1.0',
    info: {
      title: `ScheduleZero ${options.readOnly ? 'replica' : 'master'} API`,
      version: options.version ?? '0.1.0',
      description:
        'Schedules, their fire times and executions. Errors are `{"error":{"code","message","details"?}}`; ' +
        'see docs/api.md for examples.' +
        (options.readOnly
          ? ' This node is a read-only replica: every POST, PUT, PATCH and DELETE under /api/ gets 403 ' +
            '`{"error":{"code":"read_only",…}}`; mutations are performed on the admin node.'
          : ''),
    },
    tags: [
      { name: 'schedules' },
      { name: 'triggers' },
      { name: 'jobs' },
      { name: 'handlers' },
      { name: 'operations', description: 'Health, readiness and metrics (no token needed outside /api)' },
    ],
  });
  if (options.api.requireAuth) {
    for (const [path, item] of Object.entries(document.paths ?? {})) {
      if (!path.startsWith('/api/')) continue;
      for (const operation of Object.values(item as Record<string, { security?: unknown }>)) {
        if (operation && typeof operation === 'object') operation.security = [{ bearerAuth: [] }];
      }
    }
  }
  return document;
}
