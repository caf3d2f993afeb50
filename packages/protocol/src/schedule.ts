import { z } from 'zod';
import { INSTANT_RANGE_MESSAGE, isWritableInstant, LAST_INSTANT, LAST_INSTANT_MS } from './instant-limits.ts';
import { exceedsJsonDepth, JSON_DEPTH_MESSAGE, MAX_JSON_DEPTH } from './json-limits.ts';

/**
 * The schedule and job shapes shared by every node: HTTP bodies on the master, rows served by
 * replicas, payloads of the replication stream. Times travel as ISO-8601 strings on the wire and
 * are `Date` inside a process.
 */

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const ID_RULE = '1-128 characters of letters, digits, ".", "_", ":" or "-", starting with a letter or digit';

export const idSchema = z.string().regex(ID_PATTERN, `must be ${ID_RULE}`);
export const taskNameSchema = z.string().regex(ID_PATTERN, `must be ${ID_RULE}`);

/**
 * An instant given as ISO-8601 with an offset or `Z`; kept as the string the client sent. In UTC it
 * must still have a four-digit year (`9999-12-31T23:00:00-05:00` is in year 10000).
 */
export const isoInstantSchema = z.iso
  .datetime({
    offset: true,
    message: 'must be an ISO-8601 date-time with an offset, e.g. 2026-01-31T09:00:00Z',
  })
  .refine((text) => isWritableInstant(Date.parse(text)), INSTANT_RANGE_MESSAGE);

export const cronTriggerSchema = z.strictObject({
  type: z.literal('cron'),
  /** 5 fields (minute first) or 6 fields (seconds first). */
  expression: z.string().trim().min(1).max(256),
  /** IANA time zone name; the expression is read as wall-clock time there. */
  timezone: z.string().min(1).max(64).default('UTC'),
});

export const intervalTriggerSchema = z
  .strictObject({
    type: z.literal('interval'),
    seconds: z
      .number()
      .positive('must be a positive number of seconds')
      .max(366 * 24 * 3600),
    startAt: isoInstantSchema.optional(),
    endAt: isoInstantSchema.optional(),
    /** Each fire is moved by a random amount in [0, jitterSeconds]. */
    jitterSeconds: z
      .number()
      .min(0)
      .max(24 * 3600)
      .optional(),
  })
  .refine(
    // The jitter moves the first fire up to jitterSeconds after startAt: it must not leave year 9999.
    (trigger) =>
      trigger.startAt === undefined ||
      Date.parse(trigger.startAt) + (trigger.jitterSeconds ?? 0) * 1000 <= LAST_INSTANT_MS,
    { path: ['startAt'], message: `plus jitterSeconds must not pass ${LAST_INSTANT}` },
  );

export const dateTriggerSchema = z.strictObject({
  type: z.literal('date'),
  at: isoInstantSchema,
});

export const triggerSchema = z.discriminatedUnion('type', [
  cronTriggerSchema,
  intervalTriggerSchema,
  dateTriggerSchema,
]);

export const coalesceSchema = z.enum(['latest', 'earliest', 'all']);

export const retryPolicySchema = z.strictObject({
  maxAttempts: z.number().int().min(1).max(100).default(1),
  backoffMs: z
    .number()
    .int()
    .min(0)
    .max(24 * 3600 * 1000)
    .default(1000),
  backoffFactor: z.number().min(1).max(10).default(2),
});

export const targetSchema = z.strictObject({
  zone: z.string().min(1).max(64).optional(),
  tags: z.array(z.string().min(1).max(64)).max(32).default([]),
  affinityKey: z.string().min(1).max(256).optional(),
});

const notTooDeep = (value: unknown) => !exceedsJsonDepth(value);
const jsonObjectSchema = z
  .record(z.string(), z.unknown())
  .refine(notTooDeep, JSON_DEPTH_MESSAGE)
  .meta({ description: `A JSON object nested at most ${MAX_JSON_DEPTH} levels deep` });
export const argsSchema = z
  .union([z.array(z.unknown()), z.record(z.string(), z.unknown())])
  .refine(notTooDeep, JSON_DEPTH_MESSAGE)
  .meta({ description: `A JSON object or array nested at most ${MAX_JSON_DEPTH} levels deep` });

/** The settable fields, each without its default: what a PATCH may carry. */
const scheduleFields = {
  task: taskNameSchema,
  trigger: triggerSchema,
  args: argsSchema,
  metadata: jsonObjectSchema,
  paused: z.boolean(),
  /** A fire time later than this when the loop sees it is recorded as missed, not run. */
  misfireGraceSeconds: z
    .number()
    .int()
    .min(0)
    .max(366 * 24 * 3600),
  coalesce: coalesceSchema,
  maxInstances: z.number().int().min(1).max(10_000),
  retry: retryPolicySchema,
  timeoutSeconds: z
    .number()
    .positive()
    .max(7 * 24 * 3600),
  target: targetSchema,
};

/** Everything a client may set on a schedule; the server fills the rest. */
export const scheduleSpecSchema = z.strictObject({
  ...scheduleFields,
  args: scheduleFields.args.default({}),
  metadata: scheduleFields.metadata.default({}),
  paused: scheduleFields.paused.default(false),
  misfireGraceSeconds: scheduleFields.misfireGraceSeconds.default(60),
  coalesce: scheduleFields.coalesce.default('latest'),
  maxInstances: scheduleFields.maxInstances.default(1),
  retry: scheduleFields.retry.default({ maxAttempts: 1, backoffMs: 1000, backoffFactor: 2 }),
  timeoutSeconds: scheduleFields.timeoutSeconds.default(300),
  target: scheduleFields.target.default({ tags: [] }),
});

/** The optimistic-concurrency token: when given, a write applies only to this version (else 409). */
const versionField = z.number().int().min(1).optional();

export const createScheduleBodySchema = scheduleSpecSchema.extend({ id: idSchema.optional() });
export const replaceScheduleBodySchema = scheduleSpecSchema.extend({ version: versionField });
/** Only the fields sent change; no defaults are filled in. */
export const patchScheduleBodySchema = z
  .strictObject(scheduleFields)
  .partial()
  .extend({ version: versionField });

export type Trigger = z.infer<typeof triggerSchema>;
export type CronTrigger = z.infer<typeof cronTriggerSchema>;
export type IntervalTrigger = z.infer<typeof intervalTriggerSchema>;
export type DateTrigger = z.infer<typeof dateTriggerSchema>;
export type Coalesce = z.infer<typeof coalesceSchema>;
export type RetryPolicy = z.infer<typeof retryPolicySchema>;
export type Target = z.infer<typeof targetSchema>;
export type ScheduleSpec = z.infer<typeof scheduleSpecSchema>;
export type ScheduleSpecInput = z.input<typeof scheduleSpecSchema>;
export type CreateScheduleBody = z.infer<typeof createScheduleBodySchema>;
export type PatchScheduleBody = z.infer<typeof patchScheduleBodySchema>;

export interface Schedule extends ScheduleSpec {
  id: string;
  nextRunAt: Date | null;
  lastRunAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  /** Starts at 1, +1 on every write; the optimistic-concurrency token. */
  version: number;
}

export const JOB_STATUSES = [
  'pending',
  'running',
  'succeeded',
  'failed',
  'timed_out',
  'cancelled',
  'missed',
] as const;
export const jobStatusSchema = z.enum(JOB_STATUSES);
export type JobStatus = (typeof JOB_STATUSES)[number];
export const FINAL_JOB_STATUSES: readonly JobStatus[] = [
  'succeeded',
  'failed',
  'timed_out',
  'cancelled',
  'missed',
];

/** Why a job exists: a fire time of its trigger, or a run-now request. */
export type JobSource = 'schedule' | 'manual';

export interface JobError {
  /** Machine-readable: `handler_error`, `timeout`, `no_handler`, `interrupted`, `misfire`, `max_instances`, ... */
  code: string;
  message: string;
}

export interface Job {
  id: string;
  scheduleId: string;
  task: string;
  args: unknown;
  source: JobSource;
  /** The fire time this job belongs to; unique per schedule. */
  scheduledAt: Date;
  status: JobStatus;
  /** Attempts started so far (0 while the first one waits). */
  attempt: number;
  maxAttempts: number;
  retry: RetryPolicy;
  timeoutSeconds: number;
  target: Target;
  /** A pending job is not started before this instant (retry backoff). */
  notBefore: Date;
  handlerId: string | null;
  startedAt: Date | null;
  finishedAt: Date | null;
  durationMs: number | null;
  result: unknown;
  error: JobError | null;
  /** For a `missed` record that stands for several fire times: how many, and the last one. */
  missedCount: number | null;
  missedUntil: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export const HANDLER_STATUSES = ['healthy', 'unhealthy', 'offline', 'draining'] as const;
export type HandlerStatus = (typeof HANDLER_STATUSES)[number];

export interface HandlerRecord {
  id: string;
  methods: string[];
  zone: string;
  tags: string[];
  capacity: number;
  status: HandlerStatus;
  lastSeenAt: Date;
  activeJobs: number;
  successCount: number;
  failureCount: number;
  avgDurationMs: number | null;
  registeredAt: Date;
}
