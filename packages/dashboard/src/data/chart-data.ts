import type { Job, JobStatus } from '@schedulezero/protocol';
import type { ReadScheduler } from '@schedulezero/scheduler-core';
import { readJobsSince } from './recent-jobs.ts';

export const WINDOW_MINUTES = 60;
const MAX_JOBS = 5_000;

export interface ChartData {
  /** Start of each one-minute bucket, oldest first. */
  minutes: Date[];
  /** Jobs per minute by status (by finish time, else scheduled time). */
  perMinute: Array<Partial<Record<JobStatus, number>>>;
  /** Average and maximum fire lateness (start − scheduled) of jobs started in each minute, ms. */
  lateness: Array<{ avgMs: number; maxMs: number } | null>;
  /** Jobs per handler over the window, busiest first. */
  perHandler: Array<{ handlerId: string; jobs: number; busyMs: number }>;
  /** True when the scan stopped at MAX_JOBS before reaching the window's start. */
  truncated: boolean;
}

/** Reads the last hour of history (newest first, paged) and buckets it per minute. */
export async function loadChartData(reads: ReadScheduler, now: Date): Promise<ChartData> {
  const end = Math.floor(now.getTime() / 60_000) * 60_000 + 60_000;
  const start = end - WINDOW_MINUTES * 60_000;
  const { jobs, truncated } = await readJobsSince(reads, start - 10 * 60_000, MAX_JOBS);
  return bucketJobs(jobs, start, end, truncated);
}

export function bucketJobs(jobs: Job[], start: number, end: number, truncated = false): ChartData {
  const count = Math.round((end - start) / 60_000);
  const minutes = Array.from({ length: count }, (_, i) => new Date(start + i * 60_000));
  const perMinute: ChartData['perMinute'] = minutes.map(() => ({}));
  const late = minutes.map(() => ({ sum: 0, max: 0, n: 0 }));
  const handlers = new Map<string, { jobs: number; busyMs: number }>();
  const slot = (at: number) => Math.floor((at - start) / 60_000);
  for (const job of jobs) {
    const at = (job.finishedAt ?? job.scheduledAt).getTime();
    const index = slot(at);
    const bucket = perMinute[index];
    if (at >= start && at < end && bucket) bucket[job.status] = (bucket[job.status] ?? 0) + 1;
    if (job.startedAt) {
      const lateBucket = late[slot(job.startedAt.getTime())];
      if (lateBucket) {
        const ms = Math.max(0, job.startedAt.getTime() - job.scheduledAt.getTime());
        lateBucket.sum += ms;
        lateBucket.max = Math.max(lateBucket.max, ms);
        lateBucket.n += 1;
      }
      if (job.handlerId && job.startedAt.getTime() >= start) {
        const entry = handlers.get(job.handlerId) ?? { jobs: 0, busyMs: 0 };
        entry.jobs += 1;
        entry.busyMs += job.durationMs ?? 0;
        handlers.set(job.handlerId, entry);
      }
    }
  }
  return {
    minutes,
    perMinute,
    lateness: late.map((b) => (b.n === 0 ? null : { avgMs: b.sum / b.n, maxMs: b.max })),
    perHandler: [...handlers]
      .map(([handlerId, entry]) => ({ handlerId, ...entry }))
      .sort((a, b) => b.jobs - a.jobs),
    truncated,
  };
}
