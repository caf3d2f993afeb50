import { z } from 'zod';
import {
  idSchema,
  isoInstantSchema,
  JOB_STATUSES,
  jobStatusSchema,
  retryPolicySchema,
  scheduleSpecSchema,
  targetSchema,
  taskNameSchema,
  triggerSchema,
} from './schedule.ts';

/**
 * HTTP-only shapes: path and query parameters, request bodies that are not a schedule, and the
 * JSON responses (instants as ISO-8601 UTC strings). The master validates with them and generates
 * its OpenAPI document from them; replicas serve the same GET shapes.
 */

export const MAX_PAGE_LIMIT = 500;
export const DEFAULT_PAGE_LIMIT = 50;
export const MAX_FIRE_TIMES = 1000;
export const DEFAULT_FIRE_TIMES = 10;

// ---- errors ----

export const errorDetailSchema = z.object({
  /** Dotted path of the offending field inside the part named by the message, e.g. `trigger.expression`. */
  path: z.string(),
  message: z.string(),
});

export const errorBodySchema = z
  .object({
    error: z.object({
      code: z.string().meta({ example: 'validation' }),
      message: z.string().meta({ example: 'Invalid body: trigger.expression: invalid cron expression' }),
      details: z.array(errorDetailSchema).optional(),
    }),
  })
  .meta({ id: 'Error' });

export type ErrorBody = z.infer<typeof errorBodySchema>;

// ---- parameters ----

export const idParamsSchema = z.object({
  id: idSchema.meta({ param: { name: 'id', in: 'path' }, example: 'nightly-report' }),
});

const limitSchema = z.coerce
  .number()
  .int()
  .min(1)
  .max(MAX_PAGE_LIMIT)
  .default(DEFAULT_PAGE_LIMIT)
  .meta({ description: `Page size, 1..${MAX_PAGE_LIMIT}` });
const cursorSchema = z
  .string()
  .min(1)
  .max(512)
  .optional()
  .meta({ description: 'The `nextCursor` of the previous page' });

export const listSchedulesQuerySchema = z.object({
  limit: limitSchema,
  cursor: cursorSchema,
  task: taskNameSchema.optional(),
  // Documented as the two values to send; the other spellings stringbool takes (1/0, yes/no, ...) still work.
  paused: z
    .stringbool()
    .optional()
    .meta({ description: '`true` or `false`', enum: ['true', 'false'] }),
});

export const listJobsQuerySchema = z.object({
  limit: limitSchema,
  cursor: cursorSchema,
  scheduleId: idSchema.optional(),
  status: jobStatusSchema.optional(),
});

const fireTimeCountSchema = z.coerce
  .number()
  .int()
  .min(1)
  .max(MAX_FIRE_TIMES)
  .default(DEFAULT_FIRE_TIMES)
  .meta({ description: `How many fire times, 1..${MAX_FIRE_TIMES}` });

export const nextFireTimesQuerySchema = z.object({
  count: fireTimeCountSchema,
  from: isoInstantSchema.optional().meta({ description: 'Start after this instant (default now)' }),
});

export const triggerPreviewBodySchema = z
  .strictObject({
    trigger: triggerSchema,
    count: z.number().int().min(1).max(MAX_FIRE_TIMES).default(DEFAULT_FIRE_TIMES),
    from: isoInstantSchema.optional(),
  })
  .meta({
    id: 'TriggerPreview',
    example: { trigger: { type: 'cron', expression: '0 9 * * 1-5', timezone: 'Europe/Paris' }, count: 3 },
  });

export type TriggerPreviewBody = z.infer<typeof triggerPreviewBodySchema>;

// ---- responses ----

const instantJson = z.iso.datetime().meta({ example: '2026-01-31T09:00:00.000Z' });

export const scheduleJsonSchema = scheduleSpecSchema
  .extend({
    id: idSchema,
    nextRunAt: instantJson.nullable(),
    lastRunAt: instantJson.nullable(),
    createdAt: instantJson,
    updatedAt: instantJson,
    version: z.number().int().min(1),
  })
  .meta({ id: 'Schedule' });

export const jobJsonSchema = z
  .object({
    id: z.string(),
    scheduleId: idSchema,
    task: taskNameSchema,
    args: z.unknown(),
    source: z.enum(['schedule', 'manual']),
    scheduledAt: instantJson,
    status: jobStatusSchema,
    attempt: z.number().int(),
    maxAttempts: z.number().int(),
    retry: retryPolicySchema,
    timeoutSeconds: z.number(),
    target: targetSchema,
    notBefore: instantJson,
    handlerId: z.string().nullable(),
    startedAt: instantJson.nullable(),
    finishedAt: instantJson.nullable(),
    durationMs: z.number().nullable(),
    result: z.unknown(),
    error: z.object({ code: z.string(), message: z.string() }).nullable(),
    missedCount: z.number().int().nullable(),
    missedUntil: instantJson.nullable(),
    createdAt: instantJson,
    updatedAt: instantJson,
  })
  .meta({ id: 'Job' });

export const handlerJsonSchema = z
  .object({
    id: z.string(),
    methods: z.array(z.string()),
    zone: z.string(),
    tags: z.array(z.string()),
    capacity: z.number().int(),
    status: z.enum(['healthy', 'unhealthy', 'offline', 'draining']),
    lastSeenAt: instantJson,
    activeJobs: z.number().int(),
    successCount: z.number().int(),
    failureCount: z.number().int(),
    avgDurationMs: z.number().nullable(),
    registeredAt: instantJson,
  })
  .meta({ id: 'Handler' });

export const scheduleEnvelopeSchema = z.object({ schedule: scheduleJsonSchema });

/**
 * Something about a schedule just written that is allowed but probably not meant:
 * `no_handler_for_task`: no registered handler (local, or remote and not offline) offers its task
 * (a typo in the task name?); its jobs fail `no_handler` unless one registers.
 */
export const scheduleWarningSchema = z
  .object({ code: z.enum(['no_handler_for_task']), message: z.string() })
  .meta({ id: 'ScheduleWarning' });
export type ScheduleWarning = z.infer<typeof scheduleWarningSchema>;

/** The answer to a create or an update: the schedule, and `warnings` when there are any. */
export const scheduleWriteEnvelopeSchema = z.object({
  schedule: scheduleJsonSchema,
  warnings: z.array(scheduleWarningSchema).optional(),
});
export const schedulePageSchema = z.object({
  schedules: z.array(scheduleJsonSchema),
  nextCursor: z.string().nullable(),
});
export const jobEnvelopeSchema = z.object({ job: jobJsonSchema });
export const jobPageSchema = z.object({ jobs: z.array(jobJsonSchema), nextCursor: z.string().nullable() });
export const handlerListSchema = z.object({ handlers: z.array(handlerJsonSchema) });
export const fireTimesSchema = z.object({
  fireTimes: z.array(instantJson).meta({ example: ['2026-02-02T08:00:00.000Z', '2026-02-03T08:00:00.000Z'] }),
});

const jobCountsShape = Object.fromEntries(JOB_STATUSES.map((status) => [status, z.number().int()])) as Record<
  (typeof JOB_STATUSES)[number],
  z.ZodNumber
>;

export const metricsSummarySchema = z
  .object({
    schedules: z.object({ total: z.number().int(), paused: z.number().int() }),
    jobs: z.object(jobCountsShape),
    running: z.number().int(),
    handlers: z.object({ total: z.number().int(), byStatus: z.record(z.string(), z.number().int()) }),
    lateness: z.object({
      count: z.number().int(),
      sumMs: z.number(),
      buckets: z.array(z.object({ leMs: z.number(), count: z.number().int() })),
    }),
    /** How often a governor limit held back work, by task and limit. */
    throttled: z.array(
      z.object({ task: z.string(), limit: z.enum(['rate', 'concurrency']), count: z.number().int() }),
    ),
    /** Counters of the node's components: `link` (handler link frames, drops, dispatch), `zap` (refused connections). */
    components: z.record(z.string(), z.unknown()),
    uptimeSeconds: z.number(),
  })
  .meta({ id: 'MetricsSummary' });

// ---- what a replica serves ----

/**
 * A replica serves the rows its zone's stream carried: the zone's policy may leave out any field
 * but the id (docs/security.md), and the replica's API leaves out what it did not receive. Its
 * document says so with these schemas, in which every other field is optional.
 */
export const zoneScheduleJsonSchema = scheduleJsonSchema.partial().required({ id: true }).meta({
  id: 'ZoneSchedule',
  description: 'A schedule as the zone receives it: fields its policy hides are absent',
});
export const zoneJobJsonSchema = jobJsonSchema
  .partial()
  .required({ id: true })
  .meta({ id: 'ZoneJob', description: 'A job as the zone receives it: fields its policy hides are absent' });
export const zoneHandlerJsonSchema = handlerJsonSchema.partial().required({ id: true }).meta({
  id: 'ZoneHandler',
  description: 'A handler as the zone receives it: fields its policy hides are absent',
});
