import { FINAL_JOB_STATUSES, type Job, type JobStatus } from '@schedulezero/protocol';
import { cancelledBeforeRunError, interruptedError, unservedTaskError } from '../execution/job-errors.ts';
import type { ClaimJobs, FinishJob } from './ports/firing-store.ts';
import type { Outcome } from './types.ts';

/**
 * The status changes of a job, decided once for both dialects: each returns the columns to
 * write, and the dialect runs the UPDATE inside its write path.
 */

/** Pending and running jobs count against a schedule's `maxInstances`. */
export const ACTIVE_JOB_STATUSES = ['pending', 'running'] as const satisfies readonly JobStatus[];

export type JobPatch = Partial<Omit<Job, 'id' | 'scheduleId' | 'scheduledAt' | 'createdAt'>>;

export function isFinal(status: JobStatus): boolean {
  return FINAL_JOB_STATUSES.includes(status);
}

/**
 * Columns set on a claimed job, besides `attempt + 1`, which the dialect writes as SQL. A
 * prepared query passes placeholders for `now` and `claimedBy`.
 */
export function claimFields<Now = ClaimJobs['now'], Id = ClaimJobs['claimedBy']>(claim: {
  now: Now;
  claimedBy: Id;
}) {
  return {
    status: 'running' as const,
    startedAt: claim.now,
    // No handler has the attempt yet: `recordHandoffs` names it once one takes it.
    handlerId: null,
    claimedBy: claim.claimedBy,
    updatedAt: claim.now,
  };
}

/** Claimed jobs come back from `UPDATE ... RETURNING` in no set order: oldest first again. */
export function byClaimOrder(a: Job, b: Job): number {
  return (
    a.notBefore.getTime() - b.notBefore.getTime() ||
    a.scheduledAt.getTime() - b.scheduledAt.getTime() ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}

/**
 * A finish applies only to the attempt that is running (fencing: a late result of an attempt that
 * was recovered or timed out elsewhere must not overwrite the newer one).
 */
export function planFinish(
  job: Job | undefined,
  finish: FinishJob,
): Outcome<JobPatch, 'not_found' | 'stale'> {
  if (job === undefined) return { ok: false, reason: 'not_found' };
  if (job.status !== 'running' || job.attempt !== finish.attempt) return { ok: false, reason: 'stale' };
  const { outcome, finishedAt } = finish;
  const result = asStoredJson(outcome.result);
  if (outcome.status !== 'succeeded' && finish.retryAt) {
    // Back in the queue; the error stays visible until the next attempt ends.
    return {
      ok: true,
      value: {
        status: 'pending',
        notBefore: finish.retryAt,
        handlerId: null,
        error: outcome.error,
        result,
        updatedAt: finishedAt,
      },
    };
  }
  return {
    ok: true,
    value: {
      status: outcome.status,
      finishedAt,
      durationMs: job.startedAt ? Math.max(0, finishedAt.getTime() - job.startedAt.getTime()) : null,
      result,
      error: outcome.status === 'succeeded' ? null : outcome.error,
      handlerId: finish.handlerId === undefined ? job.handlerId : finish.handlerId,
      updatedAt: finishedAt,
    },
  };
}

/**
 * A value as a JSON column gives it back (`undefined` and what JSON cannot hold as null): the
 * stores hand out the job they wrote without reading it back, and a handler's result may be any
 * value its function returned.
 */
function asStoredJson(value: unknown): unknown {
  const text = value === undefined ? undefined : JSON.stringify(value);
  return text === undefined ? null : JSON.parse(text);
}

/** A claimed attempt handed back: the job as it was before the claim. */
export function planRelease(now: Date) {
  return { status: 'pending' as const, handlerId: null, startedAt: null, updatedAt: now };
}

/** A pending job cancelled before it ran. */
export function planCancelPending(now: Date): JobPatch {
  return {
    status: 'cancelled',
    finishedAt: now,
    durationMs: null,
    handlerId: null,
    error: cancelledBeforeRunError(),
    updatedAt: now,
  };
}

/**
 * The missed records of one cause stay one row: a plan's missed row extends the schedule's latest
 * job when that is a missed record of the same reason (`misfire`, `max_instances`) — nothing ran
 * in between — instead of adding a row per fire (a schedule blocked by a job that waits for a
 * handler would otherwise add one every fire). `latest` is the schedule's newest job before the
 * plan. Returns the rows still to insert and the extended record, if any.
 */
export function extendMissed(
  latest: Job | undefined,
  rows: readonly Job[],
  now: Date,
): { insert: Job[]; extended: Job | undefined } {
  const index =
    latest?.status === 'missed'
      ? rows.findIndex((row) => row.status === 'missed' && row.error?.code === latest.error?.code)
      : -1;
  const row = rows[index];
  if (latest === undefined || row?.error == null) return { insert: [...rows], extended: undefined };
  const count = (latest.missedCount ?? 1) + (row.missedCount ?? 1);
  // The planner's messages start with the count: "[at least ]N fire time(s) not run: ...".
  const message = row.error.message.replace(/^(at least )?\d+/, (_all, atLeast = '') => `${atLeast}${count}`);
  const extended: Job = {
    ...latest,
    missedCount: count,
    missedUntil: row.missedUntil ?? row.scheduledAt,
    error: { code: row.error.code, message },
    updatedAt: now,
  };
  return { insert: rows.filter((_, i) => i !== index), extended };
}

/** A job whose runner died: another attempt when one remains, else failed as `interrupted`. */
export function planRecovery(job: Job, now: Date): JobPatch {
  const error = interruptedError(job);
  if (job.attempt < job.maxAttempts) {
    return { status: 'pending', notBefore: now, handlerId: null, error, updatedAt: now };
  }
  return {
    status: 'failed',
    finishedAt: now,
    durationMs: job.startedAt ? Math.max(0, now.getTime() - job.startedAt.getTime()) : null,
    error,
    updatedAt: now,
  };
}

/** A job no handler could take: failed with `no_handler`, naming how long it waited. */
export function planUnserved(job: Job, now: Date): JobPatch {
  const waitedSeconds = Math.round((now.getTime() - job.notBefore.getTime()) / 1000);
  return {
    status: 'failed',
    finishedAt: now,
    durationMs: null,
    error: unservedTaskError(job.task, waitedSeconds),
    updatedAt: now,
  };
}

/** Every status with a count, zeros included, from `GROUP BY status` rows. */
export function statusCounts(
  rows: ReadonlyArray<{ status: JobStatus; count: number }>,
): Record<JobStatus, number> {
  const counts: Record<JobStatus, number> = {
    pending: 0,
    running: 0,
    succeeded: 0,
    failed: 0,
    timed_out: 0,
    cancelled: 0,
    missed: 0,
  };
  for (const row of rows) counts[row.status] = row.count;
  return counts;
}
