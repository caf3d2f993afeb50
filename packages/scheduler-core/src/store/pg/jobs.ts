import type { Job } from '@schedulezero/protocol';
import { and, count, eq } from 'drizzle-orm';
import { executedChanges } from '../change-records.ts';
import { encodeJobCursor, toPage } from '../cursor.ts';
import { planCancelPending, statusCounts } from '../job-transitions.ts';
import { fail, ok, unlogged } from '../outcome.ts';
import type { JobStore } from '../ports/job-store.ts';
import { activeJobsWhere, historyOrder, jobPageWhere } from '../query-conditions.ts';
import { newJobRow, toJob, toSchedule } from '../row-mapping.ts';
import type { Outcome } from '../types.ts';
import type { PgContext } from './context.ts';
import { jobs, schedules } from './schema.ts';

/** The jobs as the API reads them, and the jobs an operator makes or stops: run now, re-run, cancel. */
export function pgJobMethods({ db, write }: PgContext): JobStore {
  return {
    async getJob(id) {
      const [row] = await db.select().from(jobs).where(eq(jobs.id, id));
      return row && toJob(row);
    },

    async listJobs(query) {
      const rows = await db
        .select()
        .from(jobs)
        .where(jobPageWhere(jobs, query))
        .orderBy(...historyOrder(jobs))
        .limit(query.limit + 1);
      return toPage(rows.map(toJob), query.limit, encodeJobCursor);
    },

    async countJobsByStatus() {
      return statusCounts(
        await db.select({ status: jobs.status, count: count() }).from(jobs).groupBy(jobs.status),
      );
    },

    async createManualJob(scheduleId, draft) {
      return write<Outcome<Job, 'not_found' | 'max_instances' | 'duplicate'>>(async (tx) => {
        // The schedule's row lock serialises run-now requests, so two cannot both pass the
        // maxInstances count.
        const [row] = await tx.select().from(schedules).where(eq(schedules.id, scheduleId)).for('update');
        if (row === undefined) return unlogged(fail('not_found'));
        const schedule = toSchedule(row);
        const [active] = await tx
          .select({ count: count() })
          .from(jobs)
          .where(activeJobsWhere(jobs, [scheduleId]));
        if ((active?.count ?? 0) >= schedule.maxInstances) return unlogged(fail('max_instances'));
        const [created] = await tx
          .insert(jobs)
          .values(newJobRow(draft(schedule), new Date()))
          .onConflictDoNothing()
          .returning();
        if (created === undefined) return unlogged(fail('duplicate'));
        const job = toJob(created);
        return { value: ok(job), changes: executedChanges([job]), wakes: true };
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
  };
}
