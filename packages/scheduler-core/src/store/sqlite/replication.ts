import { FINAL_JOB_STATUSES } from '@schedulezero/protocol';
import { and, asc, eq, gte, inArray, lt, lte, max, min, sql } from 'drizzle-orm';
import { pruneCutoff, snapshotRecords } from '../change-records.ts';
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
import type { SqliteContext, SqliteDb, SqliteTx } from './context.ts';
import { bound, columnEncoder, placeholders, rowPlaceholders } from './prepared.ts';
import { changelog, handlers, jobs, replicationState, schedules, streamHeads } from './schema.ts';

type ReplicationMethods = ChangeFeed & ReplicaSink;

/**
 * The change log's retention and snapshot (master side) and the replica's apply path. Replica
 * writes use their own transactions, never `write`: a replica database has no change log.
 */
export function sqliteReplicationMethods({ db, epoch, projector }: SqliteContext): ReplicationMethods {
  const head = (tx: SqliteTx, zone: string): number =>
    tx.select({ seq: streamHeads.seq }).from(streamHeads).where(eq(streamHeads.zone, zone)).get()?.seq ?? 0;

  const oldest = (tx: SqliteTx, zone: string, seq: number): number =>
    tx
      .select({ seq: min(changelog.seq) })
      .from(changelog)
      .where(eq(changelog.zone, zone))
      .get()?.seq ?? seq + 1;

  const apply = replicaApplyStatements(db);
  // The publisher's tail and every catch-up page read here: prepared once (see prepared.ts).
  const changesFrom = db
    .select()
    .from(changelog)
    .where(and(eq(changelog.zone, bound('zone')), gte(changelog.seq, bound('fromSeq'))))
    .orderBy(asc(changelog.seq))
    .limit(sql.placeholder('limit'))
    .prepare();

  const readState = (zone: string): ReplicaState | undefined => {
    const row = apply.readState.get({ zone });
    return row && toReplicaState(row);
  };

  /** Runs a plan and stores the new position, inside the caller's transaction. */
  const commitPlan = (state: ReplicaState, plan: ReplicaPlan): ReplicaState => {
    for (const group of plan.groups) apply.runGroup(group);
    const next = {
      ...state,
      appliedSeq: plan.appliedSeq,
      snapshotSeq: plan.snapshotSeq,
      updatedAt: new Date(),
    };
    apply.storePosition(next);
    return next;
  };

  return {
    async changeHead(zone) {
      // One read transaction: the head and the oldest row from one instant.
      return db.transaction((tx) => {
        const seq = head(tx, zone);
        return { epoch, seq, oldestSeq: oldest(tx, zone, seq) };
      });
    },

    async readChanges(zone, fromSeq, limit) {
      return changesFrom.all({ zone, fromSeq, limit }).map(toChangeRow);
    },

    async pruneChanges(zone, retention) {
      return db.transaction(
        (tx) => {
          const seq = head(tx, zone);
          const olderSeq =
            retention.olderThan === undefined
              ? null
              : (tx
                  .select({ seq: max(changelog.seq) })
                  .from(changelog)
                  .where(and(eq(changelog.zone, zone), lt(changelog.createdAt, retention.olderThan)))
                  .get()?.seq ?? null);
          const cutoff = pruneCutoff(seq, retention, olderSeq);
          const deleted =
            cutoff > 0
              ? tx
                  .delete(changelog)
                  .where(and(eq(changelog.zone, zone), lte(changelog.seq, cutoff)))
                  .run().changes
              : 0;
          return { deleted, oldestSeq: oldest(tx, zone, seq) };
        },
        { behavior: 'immediate' },
      );
    },

    async readSnapshot(zone) {
      // better-sqlite3 runs this synchronously on the store's one connection: no write of this
      // process can interleave, and WAL keeps other processes' commits out of the read.
      const state = db.transaction((tx) => ({
        seq: head(tx, zone),
        schedules: tx.select().from(schedules).orderBy(asc(schedules.id)).all().map(toSchedule),
        handlers: tx.select().from(handlers).orderBy(asc(handlers.id)).all().map(toHandler),
        jobs: tx
          .select()
          .from(jobs)
          .where(inArray(jobs.status, [...FINAL_JOB_STATUSES]))
          .orderBy(asc(jobs.id))
          .all()
          .map(toJob),
      }));
      return { epoch, seq: state.seq, records: snapshotRecords(projector, zone, state) };
    },

    async replicationState(zone) {
      return db.transaction(() => readState(zone));
    },

    async resetReplica(reset) {
      return db.transaction(
        (tx) => {
          tx.delete(schedules).run();
          tx.delete(jobs).run();
          tx.delete(handlers).run();
          tx.delete(replicationState).run();
          const row = tx
            .insert(replicationState)
            .values({
              zone: reset.zone,
              epoch: reset.epoch,
              appliedSeq: 0,
              snapshotSeq: reset.snapshotSeq,
              kinds: reset.kinds,
              updatedAt: new Date(),
            })
            .returning()
            .get();
          return toReplicaState(row);
        },
        { behavior: 'immediate' },
      );
    },

    async applySnapshot(page) {
      return db.transaction(
        () => {
          const state = readState(page.zone);
          const plan = planSnapshotPage(state, page);
          return plan.ok && state
            ? ok(commitPlan(state, plan.value))
            : fail(plan.ok ? 'no_state' : plan.reason);
        },
        { behavior: 'immediate' },
      );
    },

    async applyReplicated(batch) {
      return db.transaction(
        () => {
          const state = readState(batch.zone);
          const plan = planReplicated(state, batch);
          return plan.ok && state
            ? ok(commitPlan(state, plan.value))
            : fail(plan.ok ? 'no_state' : plan.reason);
        },
        { behavior: 'immediate' },
      );
    },
  };
}

/**
 * The replica's apply statements, prepared once (see prepared.ts): a batch is hundreds of
 * rows, and building a multi-row upsert through the query builder cost several times what SQLite
 * took to run it. One row per statement costs no round trip on SQLite, so a group's rows run one
 * by one, in order.
 */
function replicaApplyStatements(db: SqliteDb) {
  // The rows are whole: an upsert replaces every column (the zone's empty values included).
  const upsert = (table: typeof schedules | typeof jobs | typeof handlers) => {
    const statement = db
      .insert(table)
      .values(rowPlaceholders(table))
      .onConflictDoUpdate({ target: table.id, set: excludedSet(table) })
      .prepare();
    const encode = columnEncoder(table);
    return (row: object) => statement.run(encode(row));
  };
  const upserts = { schedules: upsert(schedules), jobs: upsert(jobs), handlers: upsert(handlers) };
  const deleteSchedule = db
    .delete(schedules)
    .where(eq(schedules.id, bound('id')))
    .prepare();
  const encodeState = columnEncoder(replicationState);
  const position = db
    .update(replicationState)
    .set(placeholders(['appliedSeq', 'snapshotSeq', 'updatedAt']))
    .where(eq(replicationState.zone, bound('zone')))
    .prepare();
  return {
    readState: db
      .select()
      .from(replicationState)
      .where(eq(replicationState.zone, bound('zone')))
      .prepare(),
    runGroup(group: WriteGroup): void {
      if (group.op === 'delete') for (const id of group.ids) deleteSchedule.run({ id });
      else for (const row of group.rows) upserts[group.table](row);
    },
    storePosition(state: ReplicaState): void {
      const { zone, appliedSeq, snapshotSeq, updatedAt } = state;
      position.run(encodeState({ zone, appliedSeq, snapshotSeq, updatedAt }));
    },
  };
}
