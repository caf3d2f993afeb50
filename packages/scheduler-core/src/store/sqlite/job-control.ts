import type { Job } from '@schedulezero/protocol';
import { and, eq, sql } from 'drizzle-orm';
import { executedChanges } from '../change-records.ts';
import { planCancelPending, planRelease } from '../job-transitions.ts';
import { fail, ok, unlogged } from '../outcome.ts';
import type { FiringStore } from '../ports/firing-store.ts';
import type { JobStore } from '../ports/job-store.ts';
import { fencedWhere } from '../query-conditions.ts';
import { newJobRow, toJob } from '../row-mapping.ts';
import type { Outcome } from '../types.ts';
import type { SqliteContext } from './context.ts';
import { jobs } from './schema.ts';

/** Operations on one job outside the run loop's claim and finish: hand back, cancel, re-run. */
type JobControlMethods = Pick<FiringStore, 'releaseJobs' | 'recordHandoffs'> &
  Pick<JobStore, 'cancelPendingJob' | 'createJob'>;

export function sqliteJobControlMethods({ write }: SqliteContext): JobControlMethods {
  return {
    async releaseJobs(releases, now) {
      if (releases.length === 0) return;
      write((tx) => {
        for (const { jobId, attempt } of releases) {
          tx.update(jobs)
            .set({ ...planRelease(now), attempt: sql`${jobs.attempt} - 1` })
            .where(fencedWhere(jobs, jobId, attempt))
            .run();
        }
        return unlogged(undefined);
      });
    },

    async recordHandoffs(handoffs, now) {
      if (handoffs.length === 0) return;
      write((tx) => {
        for (const { jobId, attempt, handlerId } of handoffs) {
          tx.update(jobs)
            .set({ handlerId, updatedAt: now })
            .where(fencedWhere(jobs, jobId, attempt))
            .run();
        }
        return unlogged(undefined);
      });
    },

    async cancelPendingJob(jobId, now) {
      return write<Outcome<Job, 'not_found' | 'not_pending'>>((tx) => {
        const row = tx
          .update(jobs)
          .set(planCancelPending(now))
          .where(and(eq(jobs.id, jobId), eq(jobs.status, 'pending')))
          .returning()
          .get();
        if (row === undefined) {
          const exists = tx.select({ id: jobs.id }).from(jobs).where(eq(jobs.id, jobId)).get();
          return unlogged(fail(exists ? 'not_pending' : 'not_found'));
        }
        const job = toJob(row);
        return { value: ok(job), changes: executedChanges([job]) };
      });
    },

    async createJob(draft, now) {
      return write<Outcome<Job, 'duplicate'>>((tx) => {
        const row = tx.insert(jobs).values(newJobRow(draft, now)).onConflictDoNothing().returning().get();
        if (row === undefined) return unlogged(fail('duplicate'));
        const job = toJob(row);
        return { value: ok(job), changes: executedChanges([job]) };
      });
    },
  };
}
