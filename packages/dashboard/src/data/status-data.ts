import type { Job, JobStatus, Schedule } from '@schedulezero/protocol';
import type { ReadScheduler } from '@schedulezero/scheduler-core';
import { runState } from './schedule-state.ts';

/** Bars per schedule: its newest finished runs. */
export const STATUS_RUNS = 30;
/** The scan for public schedules stops after this many schedules (pages of 500). */
const MAX_SCANNED = 10_000;
/** More public schedules than this are not listed (the page and its feed stay bounded). */
const MAX_PUBLIC = 100;
const TITLE_MAX = 120;

/** A run as the public sees it: when, and its outcome; never its id, task, args or error. */
export interface PublicRun {
  at: Date;
  status: Exclude<JobStatus, 'pending' | 'running'>;
}

export interface PublicSchedule {
  title: string;
  /** Oldest first. */
  runs: PublicRun[];
  /** Succeeded of the runs that count (all but cancelled), in percent; null without such runs. */
  uptimePercent: number | null;
  lastSuccessAt: Date | null;
  state: 'scheduled' | 'paused' | 'finished' | 'ended';
  nextRunAt: Date | null;
}

/**
 * The public name of a schedule: `metadata.public.title`, a non-empty string. A schedule without
 * one is not public. (On a DMZ replica that field is all of `metadata.public` that arrives.)
 */
export function publicTitle(schedule: Schedule): string | null {
  const pub = (schedule.metadata as Record<string, unknown> | null | undefined)?.public;
  if (typeof pub !== 'object' || pub === null) return null;
  const title = (pub as Record<string, unknown>).title;
  if (typeof title !== 'string' || title.trim() === '') return null;
  return title.trim().slice(0, TITLE_MAX);
}

/** Every public schedule with its recent runs, sorted by title. */
export async function loadPublicStatus(reads: ReadScheduler): Promise<PublicSchedule[]> {
  const found: Array<{ title: string; schedule: Schedule }> = [];
  let cursor: string | undefined;
  for (let scanned = 0; scanned < MAX_SCANNED && found.length < MAX_PUBLIC; ) {
    const page = await reads.listSchedules({ limit: 500, cursor });
    scanned += page.items.length;
    for (const schedule of page.items) {
      const title = publicTitle(schedule);
      if (title !== null && found.length < MAX_PUBLIC) found.push({ title, schedule });
    }
    if (page.nextCursor === null) break;
    cursor = page.nextCursor;
  }
  const rows = await Promise.all(
    found.map(async ({ title, schedule }) => {
      // Pending and running jobs come first (newest first); a few more than the bars cover them.
      const jobs = await reads.listJobs({ limit: STATUS_RUNS + 10, scheduleId: schedule.id });
      return summarize(title, schedule, jobs.items);
    }),
  );
  return rows.sort((a, b) => a.title.localeCompare(b.title));
}

function summarize(title: string, schedule: Schedule, newestFirst: readonly Job[]): PublicSchedule {
  const runs: PublicRun[] = [];
  for (const job of newestFirst) {
    if (job.status === 'pending' || job.status === 'running') continue;
    if (runs.length === STATUS_RUNS) break;
    runs.push({ at: job.finishedAt ?? job.scheduledAt, status: job.status });
  }
  runs.reverse();
  const counted = runs.filter((run) => run.status !== 'cancelled');
  const succeeded = counted.filter((run) => run.status === 'succeeded');
  const state = runState(schedule);
  return {
    title,
    runs,
    uptimePercent: counted.length === 0 ? null : Math.round((succeeded.length / counted.length) * 1000) / 10,
    lastSuccessAt: succeeded.at(-1)?.at ?? null,
    state: state.kind === 'next' ? 'scheduled' : state.kind,
    nextRunAt: state.kind === 'next' ? state.at : null,
  };
}

/** The JSON feed: the same as the page, dates as ISO strings. */
export function statusFeed(rows: readonly PublicSchedule[], now: Date): object {
  return {
    generatedAt: now.toISOString(),
    schedules: rows.map((row) => ({
      title: row.title,
      state: row.state,
      nextRunAt: row.nextRunAt?.toISOString() ?? null,
      lastSuccessAt: row.lastSuccessAt?.toISOString() ?? null,
      uptimePercent: row.uptimePercent,
      runs: row.runs.map((run) => ({ at: run.at.toISOString(), status: run.status })),
    })),
  };
}
