import { type HandlerRecord, JOB_STATUSES, type JobStatus } from '@schedulezero/protocol';
import type { ReadScheduler } from '@schedulezero/scheduler-core';
import { readJobsSince } from './recent-jobs.ts';

/** The overview reads at most this many of the newest jobs (the day's counts say when cut). */
export const OVERVIEW_MAX_JOBS = 10_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export type StatusCounts = Record<JobStatus, number>;

export interface FailingSchedule {
  scheduleId: string;
  /** When its last run ended. */
  at: Date;
  status: JobStatus;
  errorCode: string | null;
}

export interface Overview {
  lastHour: StatusCounts;
  lastDay: StatusCounts;
  /** True when the day had more than OVERVIEW_MAX_JOBS jobs: the counts cover only the newest. */
  truncated: boolean;
  /** Schedules whose newest finished run of the last day failed or timed out, newest first. */
  failing: FailingSchedule[];
  handlers: HandlerRecord[];
}

const zero = (): StatusCounts =>
  Object.fromEntries(JOB_STATUSES.map((status) => [status, 0])) as StatusCounts;

/**
 * The overview's numbers, from one bounded scan of the last day's jobs (by scheduled time; each
 * counted in the hour or day its run ended in, or was due in when it has not run): the store has
 * no count by time window.
 */
export async function loadOverview(reads: ReadScheduler, now: Date): Promise<Overview> {
  const nowMs = now.getTime();
  const [{ jobs, truncated }, handlers] = await Promise.all([
    readJobsSince(reads, nowMs - DAY_MS, OVERVIEW_MAX_JOBS),
    reads.listHandlers(),
  ]);
  const lastHour = zero();
  const lastDay = zero();
  const newestFinished = new Map<string, FailingSchedule>();
  for (const job of jobs) {
    const at = (job.finishedAt ?? job.scheduledAt).getTime();
    if (at >= nowMs - DAY_MS) lastDay[job.status] += 1;
    if (at >= nowMs - HOUR_MS) lastHour[job.status] += 1;
    if (job.finishedAt === null || job.status === 'cancelled') continue;
    const known = newestFinished.get(job.scheduleId);
    if (!known || known.at.getTime() < job.finishedAt.getTime()) {
      newestFinished.set(job.scheduleId, {
        scheduleId: job.scheduleId,
        at: job.finishedAt,
        status: job.status,
        errorCode: job.error?.code ?? null,
      });
    }
  }
  const failing = [...newestFinished.values()]
    .filter((run) => run.status === 'failed' || run.status === 'timed_out')
    .sort((a, b) => b.at.getTime() - a.at.getTime());
  return { lastHour, lastDay, truncated, failing, handlers };
}
