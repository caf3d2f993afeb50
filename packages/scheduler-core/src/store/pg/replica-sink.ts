import { eq, inArray, sql } from 'drizzle-orm';
import { chunks } from '../change-records.ts';
import { fail, ok } from '../outcome.ts';
import type { ReplicaSink, ReplicaState } from '../ports/replica-sink.ts';
import type { WriteGroup } from '../replica-rows.ts';
import {
  excludedSet,
  planReplicated,
  planSnapshotPage,
  type ReplicaPlan,
  toReplicaState,
} from '../replica-state.ts';
import type { PgContext, PgTx } from './context.ts';
import { handlers, jobs, replicationState, schedules } from './schema.ts';

/** Serialises replica writers of one database (two subscriber processes by mistake, a reset racing an apply). */
const REPLICA_LOCK_KEY = 'schedulezero.replica';

/**
 * The replica's apply path. Its writes use their own transactions, never `write`: a replica
 * database has no change log.
 */
export function pgReplicaSink({ db }: PgContext): ReplicaSink {
  const lockedState = async (tx: PgTx, zone: string): Promise<ReplicaState | undefined> => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${REPLICA_LOCK_KEY}))`);
    const [row] = await tx.select().from(replicationState).where(eq(replicationState.zone, zone));
    return row && toReplicaState(row);
  };

  const commitPlan = async (tx: PgTx, state: ReplicaState, plan: ReplicaPlan): Promise<ReplicaState> => {
    for (const group of plan.groups) await runGroup(tx, group);
    const next = {
      ...state,
      appliedSeq: plan.appliedSeq,
      snapshotSeq: plan.snapshotSeq,
      updatedAt: new Date(),
    };
    await tx
      .update(replicationState)
      .set({ appliedSeq: next.appliedSeq, snapshotSeq: next.snapshotSeq, updatedAt: next.updatedAt })
      .where(eq(replicationState.zone, state.zone));
    return next;
  };

  return {
    async replicationState(zone) {
      const [row] = await db.select().from(replicationState).where(eq(replicationState.zone, zone));
      return row && toReplicaState(row);
    },

    async resetReplica(reset) {
      return db.transaction(async (tx) => {
        await lockedState(tx, reset.zone);
        await tx.delete(schedules);
        await tx.delete(jobs);
        await tx.delete(handlers);
        await tx.delete(replicationState);
        const [row] = await tx
          .insert(replicationState)
          .values({
            zone: reset.zone,
            epoch: reset.epoch,
            appliedSeq: 0,
            snapshotSeq: reset.snapshotSeq,
            kinds: reset.kinds,
            updatedAt: new Date(),
          })
          .returning();
        if (row === undefined)
          throw new Error('store invariant broken: replication state insert returned no row');
        return toReplicaState(row);
      });
    },

    async applySnapshot(page) {
      return db.transaction(async (tx) => {
        const state = await lockedState(tx, page.zone);
        const plan = planSnapshotPage(state, page);
        if (!plan.ok || state === undefined) return fail(plan.ok ? 'no_state' : plan.reason);
        return ok(await commitPlan(tx, state, plan.value));
      });
    },

    async applyReplicated(batch) {
      return db.transaction(async (tx) => {
        const state = await lockedState(tx, batch.zone);
        const plan = planReplicated(state, batch);
        if (!plan.ok || state === undefined) return fail(plan.ok ? 'no_state' : plan.reason);
        return ok(await commitPlan(tx, state, plan.value));
      });
    },
  };
}

async function runGroup(tx: PgTx, group: WriteGroup): Promise<void> {
  if (group.op === 'delete') {
    for (const ids of chunks(group.ids)) await tx.delete(schedules).where(inArray(schedules.id, ids));
    return;
  }
  // The rows are whole: an upsert replaces every column (the zone's empty values included).
  if (group.table === 'schedules')
    for (const rows of chunks(group.rows, 200))
      await tx
        .insert(schedules)
        .values(rows)
        .onConflictDoUpdate({ target: schedules.id, set: excludedSet(schedules) });
  else if (group.table === 'jobs')
    for (const rows of chunks(group.rows, 200))
      await tx
        .insert(jobs)
        .values(rows)
        .onConflictDoUpdate({ target: jobs.id, set: excludedSet(jobs) });
  else
    for (const rows of chunks(group.rows, 200))
      await tx
        .insert(handlers)
        .values(rows)
        .onConflictDoUpdate({ target: handlers.id, set: excludedSet(handlers) });
}
