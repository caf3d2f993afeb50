import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import {
  createScheduleBodySchema,
  fireTimesSchema,
  idParamsSchema,
  jobEnvelopeSchema,
  listSchedulesQuerySchema,
  nextFireTimesQuerySchema,
  patchScheduleBodySchema,
  replaceScheduleBodySchema,
  type Schedule,
  scheduleEnvelopeSchema,
  scheduleWriteEnvelopeSchema,
  triggerPreviewBodySchema,
} from '@schedulezero/protocol';
import type { ReadScheduler, Scheduler } from '@schedulezero/scheduler-core';
import { z } from 'zod';
import type { ReadViews } from '../caching/read-views.ts';
import { fireTimesBody } from '../fire-times.ts';
import { errorResponses, jsonBody, jsonContent } from '../openapi/openapi-helpers.ts';

const EXAMPLE_SPEC = {
  task: 'send_report',
  trigger: { type: 'cron', expression: '0 9 * * 1-5', timezone: 'Europe/Paris' },
  args: { to: 'ops@example.com' },
};

// The protocol's schemas, given a name and an example for the OpenAPI document (`.meta` returns a
// copy; the definitions stay in @schedulezero/protocol).
const createBody = createScheduleBodySchema.meta({
  id: 'CreateScheduleBody',
  example: { id: 'weekday-report', ...EXAMPLE_SPEC },
});
const replaceBody = replaceScheduleBodySchema.meta({
  id: 'ReplaceScheduleBody',
  example: { ...EXAMPLE_SPEC, version: 1 },
});
const patchBody = patchScheduleBodySchema.meta({
  id: 'PatchScheduleBody',
  example: { paused: true, version: 2 },
});
const deleteQuery = z.object({
  version: z.coerce
    .number()
    .int()
    .min(1)
    .optional()
    .meta({ description: 'Delete only if the stored version is this' }),
});

const tags = ['schedules'];
const idRequest = { params: idParamsSchema };

/** The schedule reads: what every node serves, a replica from its own copy. */
export function registerScheduleReadRoutes(
  app: OpenAPIHono,
  scheduler: ReadScheduler,
  views: ReadViews,
): void {
  const show = (schedule: Schedule) => views.show('schedule', schedule);
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/schedules',
      operationId: 'listSchedules',
      tags,
      summary: 'List schedules, ordered by id',
      request: { query: listSchedulesQuerySchema },
      responses: {
        200: jsonContent(
          z.object({ schedules: z.array(views.schedule), nextCursor: z.string().nullable() }),
          'A page of schedules',
        ),
        ...errorResponses(400, 401),
      },
    }),
    async (c) => {
      const page = await scheduler.listSchedules(c.req.valid('query'));
      return c.json({ schedules: page.items.map(show), nextCursor: page.nextCursor }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/schedules/{id}',
      operationId: 'getSchedule',
      tags,
      summary: 'Get a schedule',
      request: idRequest,
      responses: {
        200: jsonContent(z.object({ schedule: views.schedule }), 'The schedule'),
        ...errorResponses(400, 401, 404),
      },
    }),
    async (c) => c.json({ schedule: show(await scheduler.getSchedule(c.req.valid('param').id)) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/schedules/{id}/next',
      operationId: 'listScheduleFireTimes',
      tags,
      summary: "The schedule's next fire times (ISO, UTC)",
      request: { ...idRequest, query: nextFireTimesQuerySchema },
      responses: { 200: jsonContent(fireTimesSchema, 'Fire times'), ...errorResponses(400, 401, 404) },
    }),
    async (c) => {
      const { count, from } = c.req.valid('query');
      const times = await scheduler.nextFireTimes(
        c.req.valid('param').id,
        count,
        from ? new Date(from) : undefined,
      );
      return c.json(fireTimesBody(times, { part: 'query', from }), 200);
    },
  );
}

/** A written schedule's answer: `warnings` only when there is one (a task no handler offers). */
async function withWarnings(scheduler: Scheduler, schedule: Schedule) {
  const warnings = await scheduler.taskWarnings(schedule.task);
  return warnings.length > 0 ? { schedule, warnings } : { schedule };
}

/**
 * The schedule writes, and the trigger preview (a POST, so a read-only node refuses it with the
 * rest): registered only on a node that accepts mutations, so a replica's OpenAPI document does
 * not advertise them.
 */
export function registerScheduleMutationRoutes(app: OpenAPIHono, scheduler: Scheduler): void {
  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/schedules',
      operationId: 'createSchedule',
      tags,
      summary: 'Create a schedule',
      request: { body: jsonBody(createBody) },
      responses: {
        201: jsonContent(
          scheduleWriteEnvelopeSchema,
          'Created (with `warnings` when no handler offers its task)',
        ),
        ...errorResponses(400, 401, 409, 413, 415),
      },
    }),
    async (c) =>
      c.json(await withWarnings(scheduler, await scheduler.createSchedule(c.req.valid('json'))), 201),
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/api/schedules/{id}',
      operationId: 'replaceSchedule',
      tags,
      summary: 'Replace a schedule (fields left out take their defaults)',
      request: { ...idRequest, body: jsonBody(replaceBody) },
      responses: {
        200: jsonContent(
          scheduleWriteEnvelopeSchema,
          'The updated schedule (with `warnings`, as for a create)',
        ),
        ...errorResponses(400, 401, 404, 409, 413, 415),
      },
    }),
    async (c) => {
      const { version, ...spec } = c.req.valid('json');
      const schedule = await scheduler.replaceSchedule(c.req.valid('param').id, spec, version);
      return c.json(await withWarnings(scheduler, schedule), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/api/schedules/{id}',
      operationId: 'patchSchedule',
      tags,
      summary: 'Change some fields of a schedule',
      request: { ...idRequest, body: jsonBody(patchBody) },
      responses: {
        200: jsonContent(
          scheduleWriteEnvelopeSchema,
          'The updated schedule (with `warnings`, as for a create)',
        ),
        ...errorResponses(400, 401, 404, 409, 413, 415),
      },
    }),
    async (c) => {
      // The patch schema fills defaults for absent fields; a patch must only carry what the client
      // sent, or `{"paused": true}` would also reset args, retry, ... to their defaults.
      const sent = (await c.req.json()) as Record<string, unknown>;
      const patch = Object.fromEntries(
        Object.entries(c.req.valid('json')).filter(([key]) => Object.hasOwn(sent, key)),
      );
      const schedule = await scheduler.patchSchedule(c.req.valid('param').id, patch);
      return c.json(await withWarnings(scheduler, schedule), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/api/schedules/{id}',
      operationId: 'deleteSchedule',
      tags,
      summary: 'Delete a schedule (its job history stays)',
      request: { ...idRequest, query: deleteQuery },
      responses: { 204: { description: 'Deleted' }, ...errorResponses(400, 401, 404, 409) },
    }),
    async (c) => {
      await scheduler.deleteSchedule(c.req.valid('param').id, c.req.valid('query').version);
      return c.body(null, 204);
    },
  );

  for (const action of ['pause', 'resume'] as const) {
    app.openapi(
      createRoute({
        method: 'post',
        path: `/api/schedules/{id}/${action}`,
        operationId: `${action}Schedule`,
        tags,
        summary: action === 'pause' ? 'Pause: stop firing until resumed' : 'Resume a paused schedule',
        request: idRequest,
        responses: {
          200: jsonContent(scheduleEnvelopeSchema, 'The schedule'),
          ...errorResponses(400, 401, 404),
        },
      }),
      async (c) => {
        const id = c.req.valid('param').id;
        const schedule =
          action === 'pause' ? await scheduler.pauseSchedule(id) : await scheduler.resumeSchedule(id);
        return c.json({ schedule }, 200);
      },
    );
  }

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/schedules/{id}/run',
      operationId: 'runSchedule',
      tags,
      summary: 'Run now: queue a manual job',
      request: idRequest,
      responses: {
        202: jsonContent(jobEnvelopeSchema, 'The queued job'),
        ...errorResponses(400, 401, 404, 409, 429),
      },
    }),
    async (c) => c.json({ job: await scheduler.runNow(c.req.valid('param').id) }, 202),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/triggers/preview',
      operationId: 'previewTrigger',
      tags: ['triggers'],
      summary: 'Fire times of a trigger, without a schedule',
      request: { body: jsonBody(triggerPreviewBodySchema) },
      responses: { 200: jsonContent(fireTimesSchema, 'Fire times'), ...errorResponses(400, 401, 413, 415) },
    }),
    (c) => {
      const { trigger, count, from } = c.req.valid('json');
      const times = scheduler.previewTrigger(trigger, count, from ? new Date(from) : undefined);
      return c.json(fireTimesBody(times, { part: 'body', from }), 200);
    },
  );
}
