import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import type { ApiOptions } from '../types.ts';
import { ERROR_DESCRIPTIONS, jsonContent } from './openapi-helpers.ts';

export interface DocumentOptions {
  readOnly: boolean;
  api: ApiOptions;
  version?: string | undefined;
}

const TAGS = [
  { name: 'schedules', description: 'Schedules: a task, its trigger and how its jobs run' },
  { name: 'triggers', description: 'Fire times of a trigger before it is stored' },
  { name: 'jobs', description: 'Executions (one per fire time or run-now) and their outcome' },
  { name: 'handlers', description: 'Workers and local handler modules that run the jobs' },
  { name: 'operations', description: 'Health, readiness, metrics, replication and this document' },
];

const MUTATING = new Set(['post', 'put', 'patch', 'delete']);

const retryAfterHeader = {
  'Retry-After': {
    description: 'Seconds to wait before trying again',
    schema: { type: 'integer', minimum: 1 },
  },
};

type Response = { description: string; headers?: object; content?: object };
type Operation = { security?: unknown; responses?: Record<string, Response> };

/**
 * Serves `GET /openapi.json`, itself a documented operation. The document is built once, on the
 * first request, from every route registered by then, and completed with what holds for whole
 * groups of routes rather than being repeated in each: security (the bearer token on `/api/*` when
 * auth is on, none elsewhere), the 401 and 429 of authentication, the 413 of any body on `/api/*`,
 * and `Retry-After` on every 429. A route added later (with its own operationId) gets them too.
 */
export function registerOpenApiDocument(app: OpenAPIHono, options: DocumentOptions): void {
  let document: object | undefined;
  app.openapi(
    createRoute({
      method: 'get',
      path: '/openapi.json',
      operationId: 'getOpenApiDocument',
      tags: ['operations'],
      summary: 'This OpenAPI 3.1 document',
      responses: {
        200: jsonContent(
          z.record(z.string(), z.unknown()).meta({ description: 'An OpenAPI 3.1 document' }),
          'The document',
        ),
      },
    }),
    (c) => {
      document ??= buildDocument(app, options);
      return c.json(document as Record<string, unknown>, 200);
    },
  );
}

function buildDocument(app: OpenAPIHono, options: DocumentOptions): object {
  const { api } = options;
  // Only where a route uses it: an unused scheme would tell a client generator to ask for a token.
  if (api.requireAuth)
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
      license: { name: 'MIT', url: 'https://opensource.org/licenses/MIT' },
      description:
        'Schedules, their fire times and executions. Errors are `{"error":{"code","message","details"?}}`; ' +
        'see docs/api.md for examples. Every 429 carries `Retry-After`.' +
        (options.readOnly
          ? ' This node is a read-only replica: every POST, PUT, PATCH and DELETE under /api/ gets 403 ' +
            '`{"error":{"code":"read_only",…}}`; mutations are performed on the admin node.'
          : ''),
    },
    // Relative to where the document was fetched from, unless the node knows its public URL.
    servers: [
      api.publicUrl
        ? { url: api.publicUrl.replace(/\/+$/, ''), description: 'This node (api.publicUrl)' }
        : { url: '/', description: 'This node' },
    ],
    tags: TAGS,
  });
  // Here the document is JSON already: the shared error body is the `Error` component.
  const error = (status: number): Response => ({
    description: ERROR_DESCRIPTIONS[status] ?? 'Error',
    content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
  });
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    for (const [method, value] of Object.entries(item as Record<string, Operation>)) {
      const responses = value.responses;
      if (!responses) continue;
      const guarded = path.startsWith('/api/') && api.requireAuth;
      value.security = guarded ? [{ bearerAuth: [] }] : [];
      if (guarded) {
        responses['401'] ??= error(401);
        responses['429'] ??= error(429);
      }
      if (path.startsWith('/api/') && MUTATING.has(method)) responses['413'] ??= error(413);
      const tooMany = responses['429'];
      if (tooMany) tooMany.headers = retryAfterHeader;
    }
  }
  return document;
}
