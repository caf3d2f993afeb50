import type { Job } from '@schedulezero/protocol';
import { and, asc, eq, inArray, min, type SQL, sql } from 'drizzle-orm';
import { instances } from '../../cluster/schema-pg.ts';
import { chunks, executedChanges } from '../change-records.ts';
import {
  byClaimOrder,
  claimFields,
  type JobPatch,
  planFinish,
  planRecovery,
  planRelease,
  planUnserved,
} from '../job-transitions.ts';
import { expectRow, ok, unlogged, wakesFor } from '../outcome.ts';
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
import { fromBatch, setFromBatch, valuesRelation } from './batch.ts';
import type { PgContext, PgTx } from './context.ts';
import { jobs } from './schema.ts';

/**
 * Writes the finishes `planned` for jobs this transaction has locked, one UPDATE ... FROM
 * (VALUES ...) per set of columns written (a finish writes one of two), fenced on the attempt
 * (see `FinishJob.attempt`). The locks make the fence hold; a row it misses is a broken invariant.
 */
async function writeFinishes(
  tx: PgTx,
  planned: ReadonlyArray<{ finish: FinishJob; patch: JobPatch }>,
): Promise<void> {
  const byColumns = new Map<string, Array<{ finish: FinishJob; patch: JobPatch }>>();
  for (const entry of planned) {
    const columns = Object.keys(entry.patch).sort().join(',');
    byColumns.set(columns, [...(byColumns.get(columns) ?? []), entry]);
  }
  for (const [columns, group] of byColumns) {
    const keys = columns.split(',') as Array<keyof JobPatch & string>;
    for (const chunk of chunks(group)) {
      const written = await tx
        .update(jobs)
        .set(setFromBatch(jobs, keys))
        .from(
          valuesRelation(
            jobs,
            ['id', 'attempt', ...keys],
            chunk.map(({ finish, patch }) => ({ ...patch, id: finish.jobId, attempt: finish.attempt })),
          ),
        )
        .where(fencedWhere(jobs, fromBatch(jobs, 'id'), fromBatch(jobs, 'attempt')))
        .returning({ id: jobs.id });
      if (written.length !== chunk.length)
        throw new Error('store invariant broken: a fenced finish matched no row');
    }
  }
}

/**
 * Finishes of jobs this transaction has locked (`current`: their rows now), in the order given;
 * a second finish of the same job sees the first one's result (and is stale).
 */
async function finishLocked(
  tx: PgTx,
  current: Map<string, Job>,
  finishes: readonly FinishJob[],
): Promise<Array<Outcome<Job, 'not_found' | 'stale'>>> {
  const planned: Array<{ finish: FinishJob; patch: JobPatch }> = [];
  const outcomes = finishes.map((finish): Outcome<Job, 'not_found' | 'stale'> => {
    const before = current.get(finish.jobId);
    const patch = planFinish(before, finish);
    if (!patch.ok) return patch;
    const job = toJob({ ...expectRow(before, 'job locked before its finish'), ...patch.value });
    current.set(finish.jobId, job);
    planned.push({ finish, patch: patch.value });
    return ok(job);
  });
  await writeFinishes(tx, planned);
  return outcomes;
}

/**
 * The claim fence of a cluster: the claiming instance is `active`. KEY SHARE on its row conflicts
 * only with the FOR UPDATE of a survivor declaring it dead, so a claim and that declaration are
 * ordered: the declaration recovers what the claim took, or the claim sees the instance dead.
 */
function ownerActive(owner: string): SQL {
  return sql`exists (select 1 from ${instances} where ${instances.id} = ${owner} and ${instances.status} = 'active' for key share)`;
}

export function pgJobQueueMethods({ db, write }: PgContext): JobQueue {
  return {
    async claimJobs(claim) {
      if (claim.limit <= 0 || claim.tasks?.length === 0) return [];
      return write(async (tx) => {
        // SKIP LOCKED: concurrent claimers take disjoint jobs instead of queueing on one another.
        const candidates = tx
          .select({ id: jobs.id })
          .from(jobs)
          .where(and(claimableWhere(jobs, claim), claim.owner ? ownerActive(claim.owner) : undefined))
          .orderBy(...claimOrder(jobs))
          .limit(claim.limit)
          .for('update', { skipLocked: true });
        const rows = await tx
          .update(jobs)
          .set({
            ...claimFields(claim),
            attempt: sql`${jobs.attempt} + 1`,
            ownerInstanceId: claim.owner ?? null,
          })
          .where(inArray(jobs.id, candidates))
          .returning();
        return unlogged(rows.map(toJob).sort(byClaimOrder));
      });
    },

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

    async finishJobs(finishes) {
      if (finishes.length === 0) return [];
      return write(async (tx) => {
        // One read locks every row of the batch, in id order (two writers never lock crosswise).
        const ids = [...new Set(finishes.map((finish) => finish.jobId))].sort();
        const rows = await tx
          .select()
          .from(jobs)
          .where(inArray(jobs.id, ids))
          .orderBy(asc(jobs.id))
          .for('update');
        const current = new Map(rows.map((row) => [row.id, toJob(row)]));
        const outcomes = await finishLocked(tx, current, finishes);
        const finished = outcomes.flatMap((outcome) => (outcome.ok ? [outcome.value] : []));
        return { value: outcomes, changes: executedChanges(finished) };
      });
    },

    async earliestPendingAt(after) {
      const [row] = await db
        .select({ at: min(jobs.notBefore) })
        .from(jobs)
        .where(pendingAfterWhere(jobs, after));
      return row?.at ?? null;
    },

    async recoverRunningJobs(nodes, now) {
      if (nodes.length === 0) return [];
      return write(async (tx) => {
        const running = (await tx.select().from(jobs).where(runningOnWhere(jobs, nodes)).for('update')).map(
          toJob,
        );
        const recovered: Job[] = [];
        for (const job of running) {
          const [row] = await tx
            .update(jobs)
            .set(planRecovery(job, now))
            .where(eq(jobs.id, job.id))
            .returning();
          recovered.push(toJob(expectRow(row, 'job recovery')));
        }
        return { value: recovered, changes: executedChanges(recovered), wakes: wakesFor(recovered) };
      });
    },

    async failUnservedJobs(query) {
      return write(async (tx) => {
        // SKIP LOCKED: a job another master is claiming right now is not failed under it.
        const waiting = (
          await tx.select().from(jobs).where(unservedWhere(jobs, query)).for('update', { skipLocked: true })
        ).map(toJob);
        const failed: Job[] = [];
        for (const job of waiting) {
          const [row] = await tx
            .update(jobs)
            .set(planUnserved(job, query.now))
            .where(eq(jobs.id, job.id))
            .returning();
          failed.push(toJob(expectRow(row, 'unserved job')));
        }
        return { value: failed, changes: executedChanges(failed) };
      });
    },
  };
}
