import type { Job } from '@schedulezero/protocol';
import { and, count, eq, inArray, lt, min, or, type SQL, sql } from 'drizzle-orm';
import { executedChanges } from '../change-records.ts';
import { decodeJobCursor, encodeJobCursor, toPage } from '../cursor.ts';
import {
  byClaimOrder,
  claimFields,
  planFinish,
  planRecovery,
  planUnserved,
  statusCounts,
} from '../job-transitions.ts';
import { expectRow, fail, ok, unlogged } from '../outcome.ts';
import type { FinishJob, FiringStore } from '../ports/firing-store.ts';
import type { JobStore } from '../ports/job-store.ts';
import {
  activeJobsWhere,
  claimableWhere,
  claimOrder,
  fencedWhere,
  historyOrder,
  pendingAfterWhere,
  runningOnWhere,
  unservedWhere,
} from '../query-conditions.ts';
import { newJobRow, toJob, toSchedule } from '../row-mapping.ts';
import type { Outcome } from '../types.ts';
import type { SqliteContext } from './context.ts';
import { bound, columnEncoder, jsonListItems, placeholders, preparedByKey } from './prepared.ts';
import { jobs, schedules } from './schema.ts';

type JobMethods = Pick<JobStore, 'createManualJob' | 'getJob' | 'listJobs' | 'countJobsByStatus'> &
  Pick<
    FiringStore,
    'claimJobs' | 'finishJobs' | 'earliestPendingAt' | 'recoverRunningJobs' | 'failUnservedJobs'
  >;

export function sqliteJobMethods({ db, write }: SqliteContext): JobMethods {
  const encodeJob = columnEncoder(jobs);
  // The hot paths' statements, prepared once (see prepared.ts).
  // The history, one statement per combination of filters (as jobPageWhere builds them): the read
  // API and the dashboard's schedule list (the last job of each schedule) ask it often.
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
  const jobsByIds = db
    .select()
    .from(jobs)
    .where(inArray(jobs.id, jsonListItems('ids')))
    .prepare();
  const claimStatement = (tasks: SQL | undefined) =>
    db
      .update(jobs)
      .set({
        ...claimFields({ now: bound('now'), claimedBy: bound('claimedBy') }),
        attempt: sql`${jobs.attempt} + 1`,
      })
      .where(
        inArray(
          jobs.id,
          db
            .select({ id: jobs.id })
            .from(jobs)
            .where(claimableWhere(jobs, { now: bound('now'), tasks }))
            .orderBy(...claimOrder(jobs))
            .limit(sql.placeholder('limit')),
        ),
      )
      .returning()
      .prepare();
  const claimAny = claimStatement(undefined);
  const claimOfTasks = claimStatement(jsonListItems('tasks'));
  /** A fenced UPDATE per set of columns written (a finish writes one of two). */
  const fencedPatch = preparedByKey((columns) =>
    db
      .update(jobs)
      .set(placeholders(columns.split(',')))
      .where(fencedWhere(jobs, bound('fenceJobId'), bound('fenceAttempt')))
      .prepare(),
  );

  /**
   * A fenced finish of a job the transaction has read (`current`: its row now, if any). The
   * finished job is the row read plus the columns written, as the database now holds it.
   */
  function finishRead(current: Job | undefined, finish: FinishJob): Outcome<Job, 'not_found' | 'stale'> {
    const planned = planFinish(current, finish);
    if (!planned.ok) return planned;
    const columns = Object.keys(planned.value).sort().join(',');
    const { changes } = fencedPatch(columns).run({
      ...encodeJob(planned.value),
      fenceJobId: finish.jobId,
      fenceAttempt: finish.attempt,
    });
    if (changes !== 1) throw new Error('store invariant broken: fenced finish matched no row');
    return ok(toJob({ ...expectRow(current, 'job read before its finish'), ...planned.value }));
  }

  /** The jobs of `ids` as they are now, by id. */
  function readJobs(ids: readonly string[]): Map<string, Job> {
    const rows = jobsByIds.all({ ids: JSON.stringify(ids) });
    return new Map(rows.map((row) => [row.id, toJob(row)]));
  }

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
      return write(() => {
        const values = { now: claim.now.getTime(), claimedBy: claim.claimedBy, limit: claim.limit };
        const rows =
          claim.tasks === undefined
            ? claimAny.all(values)
            : claimOfTasks.all({ ...values, tasks: JSON.stringify(claim.tasks) });
        return unlogged(rows.map(toJob).sort(byClaimOrder));
      });
    },

    async finishJobs(finishes) {
      if (finishes.length === 0) return [];
      return write(() => {
        // One read for the batch, then a fenced UPDATE per job.
        const current = readJobs([...new Set(finishes.map((finish) => finish.jobId))]);
        const outcomes = finishes.map((finish) => {
          const outcome = finishRead(current.get(finish.jobId), finish);
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

    async recoverRunningJobs(nodes, now) {
      if (nodes.length === 0) return [];
      return write((tx) => {
        const running = tx.select().from(jobs).where(runningOnWhere(jobs, nodes)).all().map(toJob);
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
  };
}
