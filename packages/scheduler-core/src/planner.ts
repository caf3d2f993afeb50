import type { Job, Schedule } from '@schedulezero/protocol';
import { newId } from './ids.ts';
import type { FirePlan } from './store/ports/firing-store.ts';
import type { JobDraft } from './store/ports/job-store.ts';
import { nextFireTime } from './triggers/index.ts';

/**
 * Decides what one due schedule does at `now`: which fire times run, which are recorded as
 * missed, and when it is due next. Pure and synchronous: it runs inside the store's acquiring
 * transaction.
 *
 * Rules (docs/scheduling.md):
 * - every fire time in (previous run, now] is due; one older than `misfireGraceSeconds` is late;
 * - `coalesce` picks from the on-time ones: `latest` runs the newest, `earliest` the oldest,
 *   `all` runs each of them;
 * - runs beyond `maxInstances` (counting pending and running jobs) are not started;
 * - every due fire time that does not run is accounted for in one `missed` record per reason,
 *   with the count and the range, so a long downtime is one history row, not thousands.
 */

/** Past this many due fire times the rest of a backlog is counted as a whole, not enumerated. */
export const MAX_ENUMERATED_FIRES = 10_000;

export interface PlanOptions {
  newJobId?: () => string;
}

export function planFires(
  schedule: Schedule,
  now: Date,
  activeJobs: number,
  options: PlanOptions = {},
): FirePlan {
  const newJobId = options.newJobId ?? newId;
  const context = { anchor: schedule.createdAt, seed: schedule.id };
  const { due, truncated, after } = dueFireTimes(schedule, now);
  if (due.length === 0) return { jobs: [], nextRunAt: schedule.nextRunAt };
  const nextRunAt = after !== undefined ? after : nextFireTime(schedule.trigger, now, context);

  const graceMs = schedule.misfireGraceSeconds * 1000;
  const onTime = due.filter((time) => now.getTime() - time.getTime() <= graceMs);
  const late = due.filter((time) => now.getTime() - time.getTime() > graceMs);
  const chosen = pick(onTime, schedule.coalesce);
  const slots = Math.max(0, schedule.maxInstances - activeJobs);
  const runs = chosen.slice(0, slots);
  const blocked = chosen.slice(slots);
  const coalesced = onTime.filter((time) => !chosen.includes(time));

  const jobs: JobDraft[] = runs.map((scheduledAt) => ({
    ...jobBase(schedule, newJobId()),
    scheduledAt,
    notBefore: scheduledAt,
  }));
  const skipped = [...late, ...coalesced].sort((a, b) => a.getTime() - b.getTime());
  if (skipped.length > 0) {
    const reason = `${truncated ? 'at least ' : ''}${skipped.length} fire time(s) not run: ${late.length} older than misfireGraceSeconds (${schedule.misfireGraceSeconds}s)${coalesced.length ? `, ${coalesced.length} coalesced (${schedule.coalesce})` : ''}`;
    jobs.push(missedRecord(schedule, newJobId(), skipped, 'misfire', reason));
  }
  if (blocked.length > 0) {
    const reason = `${blocked.length} fire time(s) not run: ${activeJobs} job(s) still pending or running, maxInstances is ${schedule.maxInstances}`;
    jobs.push(missedRecord(schedule, newJobId(), blocked, 'max_instances', reason));
  }
  return { jobs, nextRunAt, lastRunAt: runs.at(-1) ?? null };
}

/**
 * The fire times from `nextRunAt` up to `now`. A backlog longer than the cap is cut: its first
 * part is enumerated (for the missed record's range) and the part still within the grace is
 * enumerated again from there, so coalescing still picks from the on-time fires. `after` is the
 * fire time the walk stopped at, the first one after `now` (null: none), when the walk reached
 * `now`: the schedule's next run, found without asking the trigger again.
 */
function dueFireTimes(
  schedule: Schedule,
  now: Date,
): { due: Date[]; truncated: boolean; after?: Date | null } {
  const context = { anchor: schedule.createdAt, seed: schedule.id };
  /** Walks from `from` while the times are due; the time after the last one, unless the cap cut it. */
  const collect = (from: Date | null, into: Date[]): { after: Date | null } | undefined => {
    let time = from;
    while (time !== null && time.getTime() <= now.getTime()) {
      if (into.length >= MAX_ENUMERATED_FIRES) return undefined;
      into.push(time);
      time = nextFireTime(schedule.trigger, time, context);
    }
    return { after: time };
  };
  const head: Date[] = [];
  const whole = collect(schedule.nextRunAt, head);
  if (whole) return { due: head, truncated: false, after: whole.after };
  const graceStart = new Date(now.getTime() - schedule.misfireGraceSeconds * 1000 - 1);
  const lastHead = head.at(-1) as Date;
  const tail: Date[] = [];
  const rest = collect(
    nextFireTime(schedule.trigger, graceStart > lastHead ? graceStart : lastHead, context),
    tail,
  );
  return { due: [...head, ...tail], truncated: true, after: rest?.after };
}

function pick(onTime: Date[], coalesce: Schedule['coalesce']): Date[] {
  if (onTime.length === 0) return [];
  if (coalesce === 'all') return onTime;
  return [coalesce === 'latest' ? (onTime.at(-1) as Date) : (onTime[0] as Date)];
}

function jobBase(schedule: Schedule, id: string): Omit<JobDraft, 'scheduledAt' | 'notBefore'> {
  return {
    id,
    scheduleId: schedule.id,
    task: schedule.task,
    args: schedule.args,
    source: 'schedule',
    status: 'pending',
    maxAttempts: schedule.retry.maxAttempts,
    retry: schedule.retry,
    timeoutSeconds: schedule.timeoutSeconds,
    target: schedule.target,
  };
}

function missedRecord(
  schedule: Schedule,
  id: string,
  times: Date[],
  code: string,
  message: string,
): JobDraft {
  const first = times[0] as Date;
  const last = times.at(-1) as Date;
  return {
    ...jobBase(schedule, id),
    status: 'missed',
    scheduledAt: first,
    notBefore: first,
    error: { code, message },
    missedCount: times.length,
    missedUntil: last,
  };
}

/** A run-now job: it belongs to the instant it was asked for. */
export function manualJobDraft(schedule: Schedule, now: Date, id: string = newId()): JobDraft {
  return { ...jobBase(schedule, id), source: 'manual', scheduledAt: now, notBefore: now };
}

/** The delay before attempt `job.attempt + 1`: exponential, with jitter in [half, full] of it. */
export function retryDelayMs(
  job: Pick<Job, 'attempt' | 'retry'>,
  random: () => number = Math.random,
): number {
  const full = job.retry.backoffMs * job.retry.backoffFactor ** Math.max(0, job.attempt - 1);
  return Math.round(full / 2 + (random() * full) / 2);
}
