import type { Job } from '@schedulezero/protocol';
import { count, eq, inArray, min, sql } from 'drizzle-orm';
import { chunks, executedChanges } from './change-records.ts';
import { encodeJobCursor, toPage } from './cursor.ts';
import {
  byClaimOrder,
  claimFields,
  planFinish,
  planRecovery,
  planUnserved,
  statusCounts,
} from './job-transitions.ts';
import { expectRow, fail, ok, unlogged } from './outcome.ts';
import {
  activeJobsWhere,
  claimableWhere,
  claimOrder,
  fencedWhere,
  historyOrder,
  jobPageWhere,
  pendingAfterWhere,
  runningOnWhere,
  unservedWhere,
} from './query-conditions.ts';
import { newJobRow, toJob, toSchedule } from './row-mapping.ts';
import { jobs, schedules } from './schema-sqlite.ts';
import type { SqliteContext, SqliteTx } from './sqlite-context.ts';
import type { FinishJob, Outcome, Store } from './types.ts';

type JobMethods = Pick<
  Store,
  | 'createManualJob'
  | 'claimJobs'
  | 'finishJob'
  | 'finishJobs'
  | 'earliestPendingAt'
  | 'recoverRunningJobs'
  | 'failUnservedJobs'
  | 'getJob'
  | 'listJobs'
  | 'countJobsByStatus'
>;

/** A fenced finish inside a transaction: applies only to the running attempt it names. */
function finishOne(tx: SqliteTx, finish: FinishJob): Outcome<Job, 'not_found' | 'stale'> {
  const row = tx.select().from(jobs).where(eq(jobs.id, finish.jobId)).get();
  return finishRead(tx, row && toJob(row), finish);
}

/** The same, for a job the transaction has read already (`current`: its row now, if any). */
function finishRead(
  tx: SqliteTx,
  current: Job | undefined,
  finish: FinishJob,
): Outcome<Job, 'not_found' | 'stale'> {
  const planned = planFinish(current, finish);
  if (!planned.ok) return planned;
  const updated = tx
    .update(jobs)
    .set(planned.value)
    .where(fencedWhere(jobs, finish.jobId, finish.attempt))
    .returning()
    .get();
  return ok(toJob(expectRow(updated, 'fenced finish')));
}

export function sqliteJobMethods({ db, write }: SqliteContext): JobMethods {
  return {
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

    async claimJobs(claim) {
      if (claim.limit <= 0 || claim.tasks?.length === 0) return [];
      return write((tx) => {
        const candidates = tx
          .select({ id: jobs.id })
          .from(jobs)
          .where(claimableWhere(jobs, claim))
          .orderBy(...claimOrder(jobs))
          .limit(claim.limit);
        const rows = tx
          .update(jobs)
          .set({ ...claimFields(claim), attempt: sql`${jobs.attempt} + 1` })
          .where(inArray(jobs.id, candidates))
          .returning()
          .all();
        return unlogged(rows.map(toJob).sort(byClaimOrder));
      });
    },

    async finishJob(finish) {
      return write<Outcome<Job, 'not_found' | 'stale'>>((tx) => {
        const outcome = finishOne(tx, finish);
        return { value: outcome, changes: outcome.ok ? executedChanges([outcome.value]) : [] };
      });
    },

    async finishJobs(finishes) {
      if (finishes.length === 0) return [];
      return write((tx) => {
        // One read for the batch (chunks keep the IN list small), then a fenced UPDATE per job.
        const current = new Map<string, Job>();
        for (const ids of chunks([...new Set(finishes.map((finish) => finish.jobId))])) {
          for (const row of tx.select().from(jobs).where(inArray(jobs.id, ids)).all()) {
            current.set(row.id, toJob(row));
          }
        }
        const outcomes = finishes.map((finish) => {
          const outcome = finishRead(tx, current.get(finish.jobId), finish);
          // A second finish of the same job in the batch sees the first one's result.
          if (outcome.ok) current.set(finish.jobId, outcome.value);
          return outcome;
        });
        const finished = outcomes.flatMap((outcome) => (outcome.ok ? [outcome.value] : []));
        return { value: outcomes, changes: executedChanges(finished) };
      });
    },

    async earliestPendingAt(after) {
      return (
        db
          .select({ at: min(jobs.notBefore) })
          .from(jobs)
          .where(pendingAfterWhere(jobs, after))
          .get()?.at ?? null
      );
    },

    async recoverRunningJobs(handlerIds, now) {
      if (handlerIds.length === 0) return [];
      return write((tx) => {
        const running = tx.select().from(jobs).where(runningOnWhere(jobs, handlerIds)).all().map(toJob);
        const recovered = running.map((job) => {
          const row = tx
            .update(jobs)
            .set(planRecovery(job, now))
            .where(eq(jobs.id, job.id))
            .returning()
            .get();
          return toJob(expectRow(row, 'job recovery'));
        });
        return { value: recovered, changes: executedChanges(recovered) };
      });
    },

    async failUnservedJobs(query) {
      return write((tx) => {
        const waiting = tx.select().from(jobs).where(unservedWhere(jobs, query)).all().map(toJob);
        const failed = waiting.map((job) => {
          const row = tx
            .update(jobs)
            .set(planUnserved(job, query.now))
            .where(eq(jobs.id, job.id))
            .returning()
            .get();
          return toJob(expectRow(row, 'unserved job'));
        });
        return { value: failed, changes: executedChanges(failed) };
      });
    },

    async getJob(id) {
      const row = db.select().from(jobs).where(eq(jobs.id, id)).get();
      return row && toJob(row);
    },

    async listJobs(query) {
      const rows = db
        .select()
        .from(jobs)
        .where(jobPageWhere(jobs, query))
        .orderBy(...historyOrder(jobs))
        .limit(query.limit + 1)
        .all();
      return toPage(rows.map(toJob), query.limit, encodeJobCursor);
    },

    async countJobsByStatus() {
      return statusCounts(
        db.select({ status: jobs.status, count: count() }).from(jobs).groupBy(jobs.status).all(),
      );
    },
  };
}
