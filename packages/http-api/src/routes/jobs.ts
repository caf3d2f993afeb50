import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { idParamsSchema, type Job, listJobsQuerySchema } from '@schedulezero/protocol';
import type { ReadScheduler } from '@schedulezero/scheduler-core';
import { z } from 'zod';
import { errorResponses, jsonContent } from '../openapi-helpers.ts';
import type { ReadViews } from '../read-views.ts';

export function registerJobRoutes(app: OpenAPIHono, scheduler: ReadScheduler, views: ReadViews): void {
  const show = (job: Job) => views.show('job', job);
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/history',
      operationId: 'listJobs',
      tags: ['jobs'],
      summary: 'Executions, newest first',
      request: { query: listJobsQuerySchema },
      responses: {
        200: jsonContent(
          z.object({ jobs: z.array(views.job), nextCursor: z.string().nullable() }),
          'A page of jobs',
        ),
        ...errorResponses(400, 401),
      },
    }),
    async (c) => {
      const page = await scheduler.listJobs(c.req.valid('query'));
      return c.json({ jobs: page.items.map(show), nextCursor: page.nextCursor }, 200);
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
      responses: {
        200: jsonContent(z.object({ job: views.job }), 'The job'),
        ...errorResponses(400, 401, 404),
      },
    }),
    async (c) => c.json({ job: show(await scheduler.getJob(c.req.valid('param').id)) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/handlers',
      operationId: 'listHandlers',
      tags: ['handlers'],
      summary: 'Registered handlers (local and remote)',
      responses: {
        200: jsonContent(z.object({ handlers: z.array(views.handler) }), 'Handlers'),
        ...errorResponses(401),
      },
    }),
    async (c) => {
      const handlers = await scheduler.listHandlers();
      return c.json({ handlers: handlers.map((handler) => views.show('handler', handler)) }, 200);
    },
  );
}
