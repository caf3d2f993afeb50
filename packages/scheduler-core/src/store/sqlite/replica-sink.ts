import { eq } from 'drizzle-orm';
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
import type { SqliteContext, SqliteDb } from './context.ts';
import { bound, columnEncoder, placeholders, rowPlaceholders } from './prepared.ts';
import { handlers, jobs, replicationState, schedules } from './schema.ts';

/**
 * The replica's apply path. Its writes use their own transactions, never `write`: a replica
 * database has no change log.
 */
export function sqliteReplicaSink({ db }: SqliteContext): ReplicaSink {
  const apply = replicaApplyStatements(db);

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
