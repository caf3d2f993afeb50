import { OpenAPIHono } from '@hono/zod-openapi';
import type { Scheduler } from '@schedulezero/scheduler-core';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { HTTPException } from 'hono/http-exception';
import type { MasterConfig } from './config.ts';
import { bearerAuth } from './http/auth.ts';
import { DOCS_PAGE_HTML } from './http/docs-page.ts';
import { createErrorHandler, notFoundHandler, validationResponse } from './http/errors.ts';
import { registerJobRoutes } from './http/routes/jobs.ts';
import { registerScheduleRoutes } from './http/routes/schedules.ts';
import { registerSystemRoutes, type SystemRoutesOptions } from './http/routes/system.ts';
import type { AppLogger } from './http/types.ts';

export interface MasterAppOptions {
  scheduler: Scheduler;
  api: MasterConfig['api'];
  logger: AppLogger;
  /** The node name, a label of the Prometheus metrics. */
  node?: string;
  version?: string;
  /** False once shutdown began (readiness then fails). */
  accepting?: () => boolean;
  /** A cheap database round trip for readiness. */
  ping?: () => Promise<void>;
  startedAt?: Date;
  /** Metrics of the node's other components (handler link, ZAP handler). */
  components?: SystemRoutesOptions['components'];
}

/** The master's HTTP API as a hono app; `main.ts` serves it, tests call `app.request()`. */
export function createMasterApp(options: MasterAppOptions): OpenAPIHono {
  const { api, logger, scheduler } = options;
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

  registerScheduleRoutes(app, scheduler);
  registerJobRoutes(app, scheduler);
  registerSystemRoutes(app, {
    scheduler,
    logger,
    node: options.node ?? 'master',
    startedAt: options.startedAt ?? new Date(),
    accepting: options.accepting ?? (() => true),
    ...(options.ping ? { ping: options.ping } : {}),
    ...(options.components ? { components: options.components } : {}),
  });

  let document: unknown;
  app.get('/openapi.json', (c) => {
    document ??= buildDocument(app, options);
    return c.json(document as object);
  });
  if (api.docs) app.get('/docs', (c) => c.html(DOCS_PAGE_HTML));
  return app;
}

function buildDocument(app: OpenAPIHono, options: MasterAppOptions): object {
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    description: 'A token from api.tokens or SCHEDULEZERO_API_TOKEN',
  });
  const document = app.getOpenAPI31Document({
    openapi: '3.1.0',
    info: {
      title: 'ScheduleZero master API',
      version: options.version ?? '0.1.0',
      description:
        'Schedules, their fire times and executions. Errors are `{"error":{"code","message","details"?}}`; ' +
        'see docs/api.md for examples.',
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
