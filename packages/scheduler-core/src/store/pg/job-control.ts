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
import type { PgContext } from './context.ts';
import { jobs } from './schema.ts';

/** Operations on one job outside the run loop's claim and finish: hand back, cancel, re-run. */
type JobControlMethods = Pick<FiringStore, 'releaseJobs' | 'recordHandoffs'> &
  Pick<JobStore, 'cancelPendingJob' | 'createJob'>;

export function pgJobControlMethods({ write }: PgContext): JobControlMethods {
  return {
    async releaseJobs(releases, now) {
      if (releases.length === 0) return;
      await write(async (tx) => {
        for (const { jobId, attempt } of releases) {
          await tx
            .update(jobs)
            .set({ ...planRelease(now), attempt: sql`${jobs.attempt} - 1` })
            .where(fencedWhere(jobs, jobId, attempt));
        }
        // Another master may run what this one handed back.
        return { value: undefined, changes: [], wakes: true };
      });
    },

    async recordHandoffs(handoffs, now) {
      if (handoffs.length === 0) return;
      await write(async (tx) => {
        for (const { jobId, attempt, handlerId } of handoffs) {
          await tx
            .update(jobs)
            .set({ handlerId, updatedAt: now })
            .where(fencedWhere(jobs, jobId, attempt));
        }
        return unlogged(undefined);
      });
    },

    async cancelPendingJob(jobId, now) {
      return write<Outcome<Job, 'not_found' | 'not_pending'>>(async (tx) => {
        const [row] = await tx
          .update(jobs)
          .set(planCancelPending(now))
          .where(and(eq(jobs.id, jobId), eq(jobs.status, 'pending')))
          .returning();
        if (row === undefined) {
          const [exists] = await tx.select({ id: jobs.id }).from(jobs).where(eq(jobs.id, jobId));
          return unlogged(fail(exists ? 'not_pending' : 'not_found'));
        }
        const job = toJob(row);
        return { value: ok(job), changes: executedChanges([job]) };
      });
    },

    async createJob(draft, now) {
      return write<Outcome<Job, 'duplicate'>>(async (tx) => {
        const [row] = await tx.insert(jobs).values(newJobRow(draft, now)).onConflictDoNothing().returning();
        if (row === undefined) return unlogged(fail('duplicate'));
        const job = toJob(row);
        return { value: ok(job), changes: executedChanges([job]), wakes: true };
      });
    },
  };
}
