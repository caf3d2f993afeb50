import { FINAL_JOB_STATUSES } from '@schedulezero/protocol';
import { and, asc, eq, gte, inArray, lt, lte, max, sql } from 'drizzle-orm';
import { chunks, pruneCutoff, snapshotRecords } from '../change-records.ts';
import { fail, ok } from '../outcome.ts';
import type { ChangeFeed } from '../ports/change-feed.ts';
import type { ReplicaSink, ReplicaState } from '../ports/replica-sink.ts';
import type { WriteGroup } from '../replica-rows.ts';
import {
  excludedSet,
  planReplicated,
  planSnapshotPage,
  type ReplicaPlan,
  toReplicaState,
} from '../replica-state.ts';
import { toChangeRow, toHandler, toJob, toSchedule } from '../row-mapping.ts';
import type { PgContext, PgTx } from './context.ts';
import { changelog, handlers, jobs, replicationState, schedules, streamHeads } from './schema.ts';

type ReplicationMethods = ChangeFeed & ReplicaSink;

/** Serialises replica writers of one database (two subscriber processes by mistake, a reset racing an apply). */
const REPLICA_LOCK_KEY = 'schedulezero.replica';

/**
 * The change log's retention and snapshot (master side) and the replica's apply path. Replica
 * writes use their own transactions, never `write`: a replica database has no change log.
 */
export function pgReplicationMethods({ db, epoch, projector }: PgContext): ReplicationMethods {
  /** The head and the oldest retained seq in one statement, hence from one instant. */
  const headOf = async (
    tx: PgTx | PgContext['db'],
    zone: string,
  ): Promise<{ seq: number; oldestSeq: number }> => {
    const [row] = await tx.execute<{ seq: string | null; oldest: string | null }>(sql`
      select (select ${streamHeads.seq} from ${streamHeads} where ${streamHeads.zone} = ${zone}) as seq,
             (select min(${changelog.seq}) from ${changelog} where ${changelog.zone} = ${zone}) as oldest`);
    const seq = Number(row?.seq ?? 0);
    return {
      seq,
      oldestSeq: row?.oldest === null || row?.oldest === undefined ? seq + 1 : Number(row.oldest),
    };
  };

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
    async readChanges(zone, fromSeq, limit) {
      const rows = await db
        .select()
        .from(changelog)
        .where(and(eq(changelog.zone, zone), gte(changelog.seq, fromSeq)))
        .orderBy(asc(changelog.seq))
        .limit(limit);
      return rows.map(toChangeRow);
    },

    async changeHead(zone) {
      return { epoch, ...(await headOf(db, zone)) };
    },

    async pruneChanges(zone, retention) {
      return db.transaction(async (tx) => {
        const { seq } = await headOf(tx, zone);
        const [older] =
          retention.olderThan === undefined
            ? [undefined]
            : await tx
                .select({ seq: max(changelog.seq) })
                .from(changelog)
                .where(and(eq(changelog.zone, zone), lt(changelog.createdAt, retention.olderThan)));
        const cutoff = pruneCutoff(seq, retention, older?.seq ?? null);
        const deleted =
          cutoff > 0
            ? (await tx.delete(changelog).where(and(eq(changelog.zone, zone), lte(changelog.seq, cutoff))))
                .count
            : 0;
        return { deleted, oldestSeq: (await headOf(tx, zone)).oldestSeq };
      });
    },

    async readSnapshot(zone) {
      // REPEATABLE READ: every statement sees the snapshot of the first, so the head and the rows
      // agree; a writer that bumped the head commits its rows with it or not at all.
      const state = await db.transaction(
        async (tx) => ({
          seq: (await headOf(tx, zone)).seq,
          schedules: (await tx.select().from(schedules).orderBy(asc(schedules.id))).map(toSchedule),
          handlers: (await tx.select().from(handlers).orderBy(asc(handlers.id))).map(toHandler),
          jobs: (
            await tx
              .select()
              .from(jobs)
              .where(inArray(jobs.status, [...FINAL_JOB_STATUSES]))
              .orderBy(asc(jobs.id))
          ).map(toJob),
        }),
        { isolationLevel: 'repeatable read', accessMode: 'read only' },
      );
      return { epoch, seq: state.seq, records: snapshotRecords(projector, zone, state) };
    },

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
