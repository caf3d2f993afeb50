import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import {
  handlerListSchema,
  idParamsSchema,
  jobEnvelopeSchema,
  jobPageSchema,
  listJobsQuerySchema,
} from '@schedulezero/protocol';
import type { ReadScheduler } from '@schedulezero/scheduler-core';
import { errorResponses, jsonContent } from '../openapi-helpers.ts';

export function registerJobRoutes(app: OpenAPIHono, scheduler: ReadScheduler): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/history',
      operationId: 'listJobs',
      tags: ['jobs'],
      summary: 'Executions, newest first',
      request: { query: listJobsQuerySchema },
      responses: { 200: jsonContent(jobPageSchema, 'A page of jobs'), ...errorResponses(400, 401) },
    }),
    async (c) => {
      const page = await scheduler.listJobs(c.req.valid('query'));
      return c.json({ jobs: page.items, nextCursor: page.nextCursor }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/jobs/{id}',
      operationId: 'getJob',
      tags: ['jobs'],
      summary: 'Get a job',
      request: { params: idParamsSchema },
      responses: { 200: jsonContent(jobEnvelopeSchema, 'The job'), ...errorResponses(400, 401, 404) },
    }),
    async (c) => c.json({ job: await scheduler.getJob(c.req.valid('param').id) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/handlers',
      operationId: 'listHandlers',
      tags: ['handlers'],
      summary: 'Registered handlers (local and remote)',
      responses: { 200: jsonContent(handlerListSchema, 'Handlers'), ...errorResponses(401) },
    }),
    async (c) => c.json({ handlers: await scheduler.listHandlers() }, 200),
  );
}
