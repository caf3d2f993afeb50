import {
  and,
  asc,
  type Column,
  count,
  desc,
  eq,
  gt,
  inArray,
  isNotNull,
  isNull,
  lt,
  lte,
  notInArray,
  or,
  type SQL,
  type SQLWrapper,
  sql,
} from 'drizzle-orm';
import { decodeJobCursor, decodeScheduleCursor } from './cursor.ts';
import { ACTIVE_JOB_STATUSES } from './job-transitions.ts';
import type { UnservedJobs } from './ports/firing-store.ts';
import type { JobQuery } from './ports/job-store.ts';
import type { ScheduleQuery } from './ports/schedule-store.ts';

/**
 * WHERE and ORDER BY clauses shared by both dialects. drizzle's operators take any column and
 * bind values through the column's own encoder (epoch ms in SQLite, ISO text for timestamptz),
 * so one definition serves both schemas.
 */

interface ScheduleColumns {
  id: Column;
  task: Column;
  paused: Column;
  nextRunAt: Column;
}

interface JobColumns {
  id: Column;
  scheduleId: Column;
  task: Column;
  status: Column;
  scheduledAt: Column;
  notBefore: Column;
  handlerId: Column;
}

/** The row `id`, when it still has `expectedVersion` (optimistic concurrency), if one is given. */
export function versionedWhere(
  t: { id: Column; version: Column },
  id: string,
  expectedVersion?: number,
): SQL | undefined {
  return and(eq(t.id, id), expectedVersion === undefined ? undefined : eq(t.version, expectedVersion));
}

export function schedulePageWhere(t: ScheduleColumns, query: ScheduleQuery): SQL | undefined {
  return and(
    query.cursor === undefined ? undefined : gt(t.id, decodeScheduleCursor(query.cursor).id),
    query.task === undefined ? undefined : eq(t.task, query.task),
    query.paused === undefined ? undefined : eq(t.paused, query.paused),
  );
}

/** `count(*)` of the paused schedules, for a select next to the total. */
export function pausedCount(t: ScheduleColumns): SQL<number> {
  return count(sql`case when ${eq(t.paused, true)} then 1 end`);
}

/** Unpaused schedules that have a next fire time: the loop's work list. */
export function armedWhere(t: ScheduleColumns): SQL | undefined {
  return and(eq(t.paused, false), isNotNull(t.nextRunAt));
}

export function dueWhere(t: ScheduleColumns, now: Date | SQLWrapper): SQL | undefined {
  return and(armedWhere(t), lte(t.nextRunAt, now));
}

export function dueOrder(t: ScheduleColumns): SQL[] {
  return [asc(t.nextRunAt), asc(t.id)];
}

export function jobPageWhere(t: JobColumns, query: JobQuery): SQL | undefined {
  const cursor = query.cursor === undefined ? undefined : decodeJobCursor(query.cursor);
  return and(
    cursor === undefined
      ? undefined
      : or(
          lt(t.scheduledAt, cursor.scheduledAt),
          and(eq(t.scheduledAt, cursor.scheduledAt), lt(t.id, cursor.id)),
        ),
    query.scheduleId === undefined ? undefined : eq(t.scheduleId, query.scheduleId),
    query.status === undefined ? undefined : eq(t.status, query.status),
  );
}

/** History: newest fire time first, id as the tie-break that makes the order total. */
export function historyOrder(t: JobColumns): SQL[] {
  return [desc(t.scheduledAt), desc(t.id)];
}

/** Pending and running jobs of `scheduleIds` (a list, or a subquery listing them). */
export function activeJobsWhere(t: JobColumns, scheduleIds: readonly string[] | SQLWrapper): SQL | undefined {
  return and(inArray(t.scheduleId, scheduleIds as readonly string[]), inArray(t.status, ACTIVE_JOB_STATUSES));
}

/**
 * Pending jobs due at `now`, of `tasks` when given. A prepared query passes placeholders: `now`
 * bound as the driver's value, `tasks` as a subquery that lists them.
 */
export function claimableWhere(
  t: JobColumns,
  claim: { now: Date | SQLWrapper; tasks?: readonly string[] | SQLWrapper | undefined },
): SQL | undefined {
  return and(
    eq(t.status, 'pending'),
    lte(t.notBefore, claim.now),
    claim.tasks === undefined ? undefined : inArray(t.task, claim.tasks as readonly string[]),
  );
}

/** Pending jobs that become claimable after `after`: the loop's next retry wake-up. */
export function pendingAfterWhere(t: JobColumns, after: Date): SQL | undefined {
  return and(eq(t.status, 'pending'), gt(t.notBefore, after));
}

export function claimOrder(t: JobColumns): SQL[] {
  return [asc(t.notBefore), asc(t.scheduledAt), asc(t.id)];
}

/** The job while it runs the given attempt: a finish of any other attempt is stale. */
export function fencedWhere(
  t: JobColumns & { attempt: Column },
  jobId: string | SQLWrapper,
  attempt: number | SQLWrapper,
): SQL | undefined {
  return and(eq(t.id, jobId), eq(t.status, 'running'), eq(t.attempt, attempt));
}

/** Pending since `waitingSince` or earlier, for a task no handler offers. */
export function unservedWhere(t: JobColumns, query: UnservedJobs): SQL | undefined {
  return and(
    eq(t.status, 'pending'),
    lte(t.notBefore, query.waitingSince),
    query.servedTasks.length === 0 ? undefined : notInArray(t.task, [...query.servedTasks]),
  );
}

/**
 * Running attempts claimed by one of `nodes`. Rows claimed before `claimedBy` existed named
 * their claimer in `handlerId`.
 */
export function runningOnWhere(
  t: JobColumns & { claimedBy: Column },
  nodes: readonly string[],
): SQL | undefined {
  return and(
    eq(t.status, 'running'),
    or(inArray(t.claimedBy, nodes), and(isNull(t.claimedBy), inArray(t.handlerId, nodes))),
  );
}
