import type {
  HandlerStatus,
  JobError,
  JobSource,
  JobStatus,
  RetryPolicy,
  ScheduleSpec,
  Target,
  Trigger,
} from '@schedulezero/protocol';
import {
  bigint,
  boolean,
  customType,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

/**
 * The PostgreSQL tables. Times are timestamptz(3), JSON is jsonb; the TypeScript keys match the
 * SQLite schema so that one mapping module serves both. Migrations are generated from this file
 * (`pnpm db:generate`); never edit the tables without generating one.
 */

const json = <T>(name: string) => jsonb(name).$type<T>();
const time = (name: string) => timestamp(name, { withTimezone: true, precision: 3, mode: 'date' });
const int64 = (name: string) => bigint(name, { mode: 'number' });
// Ids sort bytewise, as in SQLite, whatever the database's default collation: pages stay identical.
const idText = customType<{ data: string }>({ dataType: () => 'text COLLATE "C"' });

export const schedules = pgTable(
  'schedules',
  {
    id: idText('id').primaryKey(),
    task: text('task').notNull(),
    trigger: json<Trigger>('trigger').notNull(),
    args: json<ScheduleSpec['args']>('args').notNull(),
    metadata: json<Record<string, unknown>>('metadata').notNull(),
    paused: boolean('paused').notNull(),
    misfireGraceSeconds: integer('misfire_grace_seconds').notNull(),
    coalesce: text('coalesce').$type<'latest' | 'earliest' | 'all'>().notNull(),
    maxInstances: integer('max_instances').notNull(),
    retry: json<RetryPolicy>('retry').notNull(),
    timeoutSeconds: doublePrecision('timeout_seconds').notNull(),
    target: json<Target>('target').notNull(),
    nextRunAt: time('next_run_at'),
    lastRunAt: time('last_run_at'),
    createdAt: time('created_at').notNull(),
    updatedAt: time('updated_at').notNull(),
    version: int64('version').notNull(),
  },
  (t) => [
    // The due query and the loop's wake-up time: unpaused, by next fire time.
    index('schedules_due_idx').on(t.paused, t.nextRunAt),
    index('schedules_task_idx').on(t.task, t.id),
  ],
);

export const jobs = pgTable(
  'jobs',
  {
    id: idText('id').primaryKey(),
    // No foreign key: the history of a deleted schedule stays readable.
    scheduleId: text('schedule_id').notNull(),
    task: text('task').notNull(),
    args: json<unknown>('args').notNull(),
    source: text('source').$type<JobSource>().notNull(),
    scheduledAt: time('scheduled_at').notNull(),
    status: text('status').$type<JobStatus>().notNull(),
    attempt: integer('attempt').notNull(),
    maxAttempts: integer('max_attempts').notNull(),
    retry: json<RetryPolicy>('retry').notNull(),
    timeoutSeconds: doublePrecision('timeout_seconds').notNull(),
    target: json<Target>('target').notNull(),
    notBefore: time('not_before').notNull(),
    handlerId: text('handler_id'),
    /**
     * The node whose loop claimed the running attempt: its restart recovers the attempt. Apart from
     * `handlerId`, which names the handler the attempt was handed to (null until it is). Internal:
     * not part of the job's API shape, so neither replicated nor served.
     */
    claimedBy: text('claimed_by'),
    /** The master instance whose claim started the running attempt (clusters on PostgreSQL). */
    ownerInstanceId: text('owner_instance_id'),
    startedAt: time('started_at'),
    finishedAt: time('finished_at'),
    durationMs: int64('duration_ms'),
    result: json<unknown>('result'),
    error: json<JobError>('error'),
    missedCount: integer('missed_count'),
    missedUntil: time('missed_until'),
    createdAt: time('created_at').notNull(),
    updatedAt: time('updated_at').notNull(),
  },
  (t) => [
    // A fire time runs at most once, also across restarts and concurrent loops.
    uniqueIndex('jobs_schedule_fire_uq').on(t.scheduleId, t.scheduledAt),
    // Active jobs of a schedule (maxInstances).
    index('jobs_schedule_status_idx').on(t.scheduleId, t.status),
    // Claim: pending jobs in claim order (notBefore, scheduledAt, id: the whole ORDER BY, so a
    // claim reads its LIMIT rows instead of sorting every due job); also earliestPendingAt and
    // counts by status.
    index('jobs_claim_order_idx').on(t.status, t.notBefore, t.scheduledAt, t.id),
    // History, newest first, unfiltered and by status.
    index('jobs_history_idx').on(t.scheduledAt, t.id),
    index('jobs_status_history_idx').on(t.status, t.scheduledAt, t.id),
  ],
);

export const handlers = pgTable('handlers', {
  id: text('id').primaryKey(),
  methods: json<string[]>('methods').notNull(),
  zone: text('zone').notNull(),
  tags: json<string[]>('tags').notNull(),
  capacity: integer('capacity').notNull(),
  status: text('status').$type<HandlerStatus>().notNull(),
  lastSeenAt: time('last_seen_at').notNull(),
  activeJobs: integer('active_jobs').notNull(),
  successCount: int64('success_count').notNull(),
  failureCount: int64('failure_count').notNull(),
  avgDurationMs: doublePrecision('avg_duration_ms'),
  registeredAt: time('registered_at').notNull(),
});

export const changelog = pgTable(
  'changelog',
  {
    zone: text('zone').notNull(),
    seq: int64('seq').notNull(),
    epoch: text('epoch').notNull(),
    topic: text('topic').notNull(),
    payload: json<unknown>('payload'),
    createdAt: time('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.zone, t.seq] })],
);

/**
 * The last seq handed out per zone. A writer bumps its zone's row in its own transaction and holds
 * the row lock until commit, so seqs are gap-free and their order is the commit order.
 */
export const streamHeads = pgTable('stream_heads', {
  zone: text('zone').primaryKey(),
  seq: int64('seq').notNull().default(0),
});

/** Facts about this database; `epoch` is written once, when the database is first opened. */
export const meta = pgTable('meta', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});

/**
 * A replica's position in the stream it follows (one row: a replica database follows one zone).
 * Written in the transaction that applies the changes it counts.
 */
export const replicationState = pgTable('replication_state', {
  zone: text('zone').primaryKey(),
  epoch: text('epoch').notNull(),
  appliedSeq: int64('applied_seq').notNull(),
  snapshotSeq: int64('snapshot_seq'),
  kinds: json<string[]>('kinds'),
  updatedAt: time('updated_at').notNull(),
});
