import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { idParamsSchema, type Job, jobEnvelopeSchema, listJobsQuerySchema } from '@schedulezero/protocol';
import type { ReadScheduler, Scheduler } from '@schedulezero/scheduler-core';
import { z } from 'zod';
import type { ReadViews } from '../caching/read-views.ts';
import { errorResponses, jsonContent } from '../openapi/openapi-helpers.ts';

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

/** A 409 that says which state of the job refused the request. */
function conflict(description: string) {
  const [response] = Object.values(errorResponses(409));
  return { 409: { ...response, description } } as Record<409, NonNullable<typeof response>>;
}

/** Cancel and re-run: the master's job mutations (a replica refuses them with 403 before routing). */
export function registerJobMutationRoutes(app: OpenAPIHono, scheduler: Scheduler): void {
  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/jobs/{id}/cancel',
      operationId: 'cancelJob',
      tags: ['jobs'],
      summary: 'Cancel a pending or running job',
      description:
        "A pending job never runs. A running job has its handler's AbortSignal fired (local or remote handler) and ends `cancelled`, without a retry; the answer comes once that is recorded.",
      request: { params: idParamsSchema },
      responses: {
        200: jsonContent(jobEnvelopeSchema, 'The cancelled job'),
        ...errorResponses(400, 401, 404),
        ...conflict(
          '`job_finished`: the job has already finished, nothing to cancel; `conflict`: it runs on another master sharing the database',
        ),
      },
    }),
    async (c) => c.json({ job: await scheduler.cancelJob(c.req.valid('param').id) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/jobs/{id}/rerun',
      operationId: 'rerunJob',
      tags: ['jobs'],
      summary: 'Run a finished job again, as a new job',
      description:
        'Queues a new manual job of the same schedule with the same task, args, retry policy, timeout and target.',
      request: { params: idParamsSchema },
      responses: {
        202: jsonContent(jobEnvelopeSchema, 'The new, queued job'),
        ...errorResponses(400, 401, 404, 429),
        ...conflict(
          '`job_not_finished`: the job is still pending or running; `conflict`: another job of the schedule has this instant, try again',
        ),
      },
    }),
    async (c) => c.json({ job: await scheduler.rerunJob(c.req.valid('param').id) }, 202),
  );
}
