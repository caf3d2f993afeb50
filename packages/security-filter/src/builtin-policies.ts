import type {
  CronTrigger,
  DateTrigger,
  HandlerRecord,
  IntervalTrigger,
  Job,
  JobError,
  RetryPolicy,
  Schedule,
  Target,
} from '@schedulezero/protocol';
import type { FieldRule, Projection } from './projection.ts';

/**
 * The three built-in zone policies. The full projections are typed against the protocol model
 * (`Complete<T>`): a field added to Schedule, Job or HandlerRecord fails to compile here until
 * someone decides whether it leaves the master, instead of silently passing or silently vanishing.
 */

export const ZONE_EVENT_KINDS = ['schedule', 'job', 'handler'] as const;
export type ZoneEventKind = (typeof ZONE_EVENT_KINDS)[number];

export const BUILTIN_POLICY_NAMES = ['admin', 'regional', 'dmz'] as const;
export type BuiltinPolicyName = (typeof BUILTIN_POLICY_NAMES)[number];

type Complete<T> = { readonly [K in keyof T]-?: FieldRule };
type TriggerField = keyof CronTrigger | keyof IntervalTrigger | keyof DateTrigger;

const TRIGGER: { readonly [K in TriggerField]-?: 'value' } = {
  type: 'value',
  expression: 'value',
  timezone: 'value',
  seconds: 'value',
  startAt: 'value',
  endAt: 'value',
  jitterSeconds: 'value',
  at: 'value',
};
const RETRY: Complete<RetryPolicy> = { maxAttempts: 'value', backoffMs: 'value', backoffFactor: 'value' };
const TARGET: Complete<Target> = { zone: 'value', tags: 'value', affinityKey: 'value' };
const JOB_ERROR: Complete<JobError> = { code: 'value', message: 'value' };

const SCHEDULE_FULL: Complete<Schedule> = {
  id: 'value',
  task: 'value',
  trigger: { fields: TRIGGER },
  args: 'value',
  metadata: 'value',
  paused: 'value',
  misfireGraceSeconds: 'value',
  coalesce: 'value',
  maxInstances: 'value',
  retry: { fields: RETRY },
  timeoutSeconds: 'value',
  target: { fields: TARGET },
  nextRunAt: 'value',
  lastRunAt: 'value',
  createdAt: 'value',
  updatedAt: 'value',
  version: 'value',
};

const JOB_FULL: Complete<Job> = {
  id: 'value',
  scheduleId: 'value',
  task: 'value',
  args: 'value',
  source: 'value',
  scheduledAt: 'value',
  status: 'value',
  attempt: 'value',
  maxAttempts: 'value',
  retry: { fields: RETRY },
  timeoutSeconds: 'value',
  target: { fields: TARGET },
  notBefore: 'value',
  handlerId: 'value',
  startedAt: 'value',
  finishedAt: 'value',
  durationMs: 'value',
  result: 'value',
  error: { fields: JOB_ERROR },
  missedCount: 'value',
  missedUntil: 'value',
  createdAt: 'value',
  updatedAt: 'value',
};

const HANDLER_FULL: Complete<HandlerRecord> = {
  id: 'value',
  methods: 'value',
  zone: 'value',
  tags: 'value',
  capacity: 'value',
  status: 'value',
  lastSeenAt: 'value',
  activeJobs: 'value',
  successCount: 'value',
  failureCount: 'value',
  avgDurationMs: 'value',
  registeredAt: 'value',
};

/**
 * A schedule's public name on a status page (`metadata.public.title`): it always reaches a public
 * zone, and nothing else of `metadata.public` does, so listing a schedule there needs no allow-list.
 */
const PUBLIC_METADATA: Projection = { public: { fields: { title: 'value' } } };

/** What a public zone may know about a schedule: when it runs, not what it runs with. */
const SCHEDULE_PUBLIC: Projection = {
  id: 'value',
  task: 'value',
  trigger: { fields: TRIGGER },
  paused: 'value',
  nextRunAt: 'value',
  lastRunAt: 'value',
  createdAt: 'value',
  updatedAt: 'value',
  version: 'value',
  metadata: { allowList: 'metadata', always: PUBLIC_METADATA },
  args: { allowList: 'args' },
};

/** What a public zone may know about a run: its outcome, not its data, texts or handler. */
const JOB_PUBLIC: Projection = {
  id: 'value',
  scheduleId: 'value',
  task: 'value',
  status: 'value',
  scheduledAt: 'value',
  startedAt: 'value',
  finishedAt: 'value',
  durationMs: 'value',
  attempt: 'value',
  // An error code (`timeout`, `handler_error`) is public; its message may quote anything.
  error: { fields: { code: 'value' } },
  args: { allowList: 'args' },
  result: { allowList: 'result' },
};

export interface BuiltinPolicy {
  readonly projections: Readonly<Partial<Record<ZoneEventKind, Projection>>>;
  /** Removes sensitive keys from every value that passes. */
  readonly scrubs: boolean;
  /** Uses the zone's allow-lists (metadataAllow, argsAllow, resultAllow). */
  readonly usesAllowLists: boolean;
}

export const BUILTIN_POLICIES: Readonly<Record<BuiltinPolicyName, BuiltinPolicy>> = {
  /** The master's own zone (behind the VPN): the whole model, secrets included. */
  admin: {
    projections: { schedule: SCHEDULE_FULL, job: JOB_FULL, handler: HANDLER_FULL },
    scrubs: false,
    usesAllowLists: false,
  },
  /** Regional replicas: schedules and runs in full structure, sensitive keys removed; no handlers. */
  regional: {
    projections: { schedule: SCHEDULE_FULL, job: JOB_FULL },
    scrubs: true,
    usesAllowLists: false,
  },
  /** Public replicas: a public projection; args, results and metadata only where allow-listed. */
  dmz: {
    projections: { schedule: SCHEDULE_PUBLIC, job: JOB_PUBLIC },
    scrubs: true,
    usesAllowLists: true,
  },
};
