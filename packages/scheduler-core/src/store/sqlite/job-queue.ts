import type { Job } from '@schedulezero/protocol';
import { eq, inArray, min, type SQL, sql } from 'drizzle-orm';
import { executedChanges } from '../change-records.ts';
import {
  byClaimOrder,
  claimFields,
  planFinish,
  planRecovery,
  planRelease,
  planUnserved,
} from '../job-transitions.ts';
import { expectRow, ok, unlogged } from '../outcome.ts';
import type { FinishJob, JobQueue } from '../ports/firing-store.ts';
import {
  claimableWhere,
  claimOrder,
  fencedWhere,
  pendingAfterWhere,
  runningOnWhere,
  unservedWhere,
} from '../query-conditions.ts';
import { toJob } from '../row-mapping.ts';
import type { Outcome } from '../types.ts';
import type { SqliteContext } from './context.ts';
import { bound, columnEncoder, jsonListItems, placeholders, preparedByKey } from './prepared.ts';
import { jobs } from './schema.ts';

export function sqliteJobQueueMethods({ db, write }: SqliteContext): JobQueue {
  const encodeJob = columnEncoder(jobs);
  // The hot paths' statements, prepared once (see prepared.ts).
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
  };
}
