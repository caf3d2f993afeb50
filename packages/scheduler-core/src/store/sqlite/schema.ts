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
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

/**
 * The SQLite tables. Times are integer epoch milliseconds, JSON is text; the TypeScript keys
 * match the PostgreSQL schema so that one mapping module serves both. Migrations are generated
 * from this file (`pnpm db:generate`); never edit the tables without generating one.
 */

const json = <T>(name: string) => text(name, { mode: 'json' }).$type<T>();
const time = (name: string) => integer(name, { mode: 'timestamp_ms' });

export const schedules = sqliteTable(
  'schedules',
  {
    id: text('id').primaryKey(),
    task: text('task').notNull(),
    trigger: json<Trigger>('trigger').notNull(),
    args: json<ScheduleSpec['args']>('args').notNull(),
    metadata: json<Record<string, unknown>>('metadata').notNull(),
    paused: integer('paused', { mode: 'boolean' }).notNull(),
    misfireGraceSeconds: integer('misfire_grace_seconds').notNull(),
    coalesce: text('coalesce').$type<'latest' | 'earliest' | 'all'>().notNull(),
    maxInstances: integer('max_instances').notNull(),
    retry: json<RetryPolicy>('retry').notNull(),
    timeoutSeconds: real('timeout_seconds').notNull(),
    target: json<Target>('target').notNull(),
    nextRunAt: time('next_run_at'),
    lastRunAt: time('last_run_at'),
    createdAt: time('created_at').notNull(),
    updatedAt: time('updated_at').notNull(),
    version: integer('version').notNull(),
  },
  (t) => [
    // The due query and the loop's wake-up time: unpaused, by next fire time.
    index('schedules_due_idx').on(t.paused, t.nextRunAt),
    index('schedules_task_idx').on(t.task, t.id),
  ],
);

export const jobs = sqliteTable(
  'jobs',
  {
    id: text('id').primaryKey(),
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
    timeoutSeconds: real('timeout_seconds').notNull(),
    target: json<Target>('target').notNull(),
    notBefore: time('not_before').notNull(),
    handlerId: text('handler_id'),
    /**
     * The node whose loop claimed the running attempt: its restart recovers the attempt. Apart from
     * `handlerId`, which names the handler the attempt was handed to (null until it is). Internal:
     * not part of the job's API shape, so neither replicated nor served.
     */
    claimedBy: text('claimed_by'),
    startedAt: time('started_at'),
    finishedAt: time('finished_at'),
    durationMs: integer('duration_ms'),
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

export const handlers = sqliteTable('handlers', {
  id: text('id').primaryKey(),
  methods: json<string[]>('methods').notNull(),
  zone: text('zone').notNull(),
  tags: json<string[]>('tags').notNull(),
  capacity: integer('capacity').notNull(),
  status: text('status').$type<HandlerStatus>().notNull(),
  lastSeenAt: time('last_seen_at').notNull(),
  activeJobs: integer('active_jobs').notNull(),
  successCount: integer('success_count').notNull(),
  failureCount: integer('failure_count').notNull(),
  avgDurationMs: real('avg_duration_ms'),
  registeredAt: time('registered_at').notNull(),
});

export const changelog = sqliteTable(
  'changelog',
  {
    zone: text('zone').notNull(),
    seq: integer('seq').notNull(),
    epoch: text('epoch').notNull(),
    topic: text('topic').notNull(),
    payload: json<unknown>('payload'),
    createdAt: time('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.zone, t.seq] })],
);

/** The last seq handed out per zone; bumped in the writing transaction, so seqs are gap-free. */
export const streamHeads = sqliteTable('stream_heads', {
  zone: text('zone').primaryKey(),
  seq: integer('seq').notNull().default(0),
});

/** Facts about this database; `epoch` is written once, when the database is first opened. */
export const meta = sqliteTable('meta', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});

/**
 * A replica's position in the stream it follows (one row: a replica database follows one zone).
 * Written in the transaction that applies the changes it counts.
 */
export const replicationState = sqliteTable('replication_state', {
  zone: text('zone').primaryKey(),
  epoch: text('epoch').notNull(),
  appliedSeq: integer('applied_seq').notNull(),
  snapshotSeq: integer('snapshot_seq'),
  kinds: json<string[]>('kinds'),
  updatedAt: time('updated_at').notNull(),
});
