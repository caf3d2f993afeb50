import type { Job } from '@schedulezero/protocol';
import { and, count, eq, lt, or, sql } from 'drizzle-orm';
import { executedChanges } from '../change-records.ts';
import { decodeJobCursor, encodeJobCursor, toPage } from '../cursor.ts';
import { planCancelPending, statusCounts } from '../job-transitions.ts';
import { fail, ok, unlogged } from '../outcome.ts';
import type { JobStore } from '../ports/job-store.ts';
import { activeJobsWhere, historyOrder } from '../query-conditions.ts';
import { newJobRow, toJob, toSchedule } from '../row-mapping.ts';
import type { Outcome } from '../types.ts';
import type { SqliteContext } from './context.ts';
import { bound, preparedByKey } from './prepared.ts';
import { jobs, schedules } from './schema.ts';

/** The jobs as the API reads them, and the jobs an operator makes or stops: run now, re-run, cancel. */
export function sqliteJobMethods({ db, write }: SqliteContext): JobStore {
  // The history, one statement per combination of filters (as jobPageWhere builds them), prepared
  // once (see prepared.ts): the read API and the dashboard's schedule list (the last job of each
  // schedule) ask it often.
  const jobPage = preparedByKey((key) =>
    db
      .select()
      .from(jobs)
      .where(
        and(
          key[0] === '1'
            ? or(
                lt(jobs.scheduledAt, bound('at')),
                and(eq(jobs.scheduledAt, bound('at')), lt(jobs.id, bound('beforeId'))),
              )
            : undefined,
          key[1] === '1' ? eq(jobs.scheduleId, bound('scheduleId')) : undefined,
          key[2] === '1' ? eq(jobs.status, bound('status')) : undefined,
        ),
      )
      .orderBy(...historyOrder(jobs))
      .limit(sql.placeholder('limit'))
      .prepare(),
  );

  return {
    async getJob(id) {
      const row = db.select().from(jobs).where(eq(jobs.id, id)).get();
      return row && toJob(row);
    },

    async listJobs(query) {
      const cursor = query.cursor === undefined ? undefined : decodeJobCursor(query.cursor);
      // Which filters the query has, e.g. "010" for a schedule only.
      const key = [cursor, query.scheduleId, query.status]
        .map((filter) => (filter === undefined ? 0 : 1))
        .join('');
      const rows = jobPage(key).all({
        at: cursor === undefined ? undefined : jobs.scheduledAt.mapToDriverValue(cursor.scheduledAt),
        beforeId: cursor?.id,
        scheduleId: query.scheduleId,
        status: query.status,
        limit: query.limit + 1,
      });
      return toPage(rows.map(toJob), query.limit, encodeJobCursor);
    },

    async countJobsByStatus() {
      return statusCounts(
        db.select({ status: jobs.status, count: count() }).from(jobs).groupBy(jobs.status).all(),
      );
    },

    async createManualJob(scheduleId, draft) {
      return write<Outcome<Job, 'not_found' | 'max_instances' | 'duplicate'>>((tx) => {
        const row = tx.select().from(schedules).where(eq(schedules.id, scheduleId)).get();
        if (row === undefined) return unlogged(fail('not_found'));
        const schedule = toSchedule(row);
        const active = tx
          .select({ count: count() })
          .from(jobs)
          .where(activeJobsWhere(jobs, [scheduleId]))
          .get();
        if ((active?.count ?? 0) >= schedule.maxInstances) return unlogged(fail('max_instances'));
        const created = tx
          .insert(jobs)
          .values(newJobRow(draft(schedule), new Date()))
          .onConflictDoNothing()
          .returning()
          .get();
        if (created === undefined) return unlogged(fail('duplicate'));
        const job = toJob(created);
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
  };
}
