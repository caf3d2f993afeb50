import type { Job } from '@schedulezero/protocol';
import type { ReadScheduler } from '@schedulezero/scheduler-core';

/**
 * The jobs scheduled at or after `sinceMs`, newest first, read page by page (the store lists by
 * scheduled time, newest first). Bounded: past `max` jobs the scan stops and says it was cut.
 */
export async function readJobsSince(
  reads: ReadScheduler,
  sinceMs: number,
  max: number,
): Promise<{ jobs: Job[]; truncated: boolean }> {
  const jobs: Job[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await reads.listJobs({ limit: 500, cursor });
    let older = false;
    for (const job of page.items) {
      if (job.scheduledAt.getTime() < sinceMs) older = true;
      else jobs.push(job);
    }
    if (older || page.nextCursor === null) return { jobs, truncated: false };
    if (jobs.length >= max) return { jobs, truncated: true };
    cursor = page.nextCursor;
  }
}
