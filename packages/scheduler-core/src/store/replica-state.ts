import { getTableColumns, type SQL, sql, type Table } from 'drizzle-orm';
import { fail, ok } from './outcome.ts';
import type { ApplyReplicated, ApplySnapshot, ReplicaRefusal, ReplicaState } from './ports/replica-sink.ts';
import { groupWrites, type ReplicaWrite, replicaWrite, type WriteGroup } from './replica-rows.ts';
import type { Outcome } from './types.ts';

/**
 * What a replica write does, decided once for both dialects from the state read inside the
 * applying transaction; the dialect runs the writes and stores the new position.
 */

export interface ReplicaPlan {
  groups: WriteGroup[];
  appliedSeq: number;
  snapshotSeq: number | null;
}

export function planReplicated(
  state: ReplicaState | undefined,
  batch: ApplyReplicated,
): Outcome<ReplicaPlan, ReplicaRefusal> {
  if (state === undefined) return fail('no_state');
  if (state.epoch !== batch.epoch) return fail('epoch_mismatch');
  if (state.snapshotSeq !== null) return fail('snapshot_incomplete');
  let applied = state.appliedSeq;
  const writes: ReplicaWrite[] = [];
  for (const row of batch.rows) {
    // Applied already (a batch delivered twice, a crash between apply and acknowledgement).
    if (row.seq <= applied) continue;
    const write = replicaWrite(row.topic, row.payload);
    if (write !== null) writes.push(write);
    applied = row.seq;
  }
  return ok({
    groups: groupWrites(writes),
    appliedSeq: Math.max(applied, batch.appliedSeq),
    snapshotSeq: null,
  });
}

export function planSnapshotPage(
  state: ReplicaState | undefined,
  page: ApplySnapshot,
): Outcome<ReplicaPlan, ReplicaRefusal> {
  if (state === undefined) return fail('no_state');
  if (state.epoch !== page.epoch) return fail('epoch_mismatch');
  if (state.snapshotSeq !== page.snapshotSeq) return fail('not_loading');
  const groups = groupWrites(
    page.records.flatMap((record) => {
      const write = replicaWrite(record.topic, record.payload);
      return write === null ? [] : [write];
    }),
  );
  return ok(
    page.complete
      ? { groups, appliedSeq: page.snapshotSeq, snapshotSeq: null }
      : { groups, appliedSeq: state.appliedSeq, snapshotSeq: page.snapshotSeq },
  );
}

/** The state row as the model has it; `kinds` comes back sorted so that comparisons are stable. */
export function toReplicaState(row: {
  zone: string;
  epoch: string;
  appliedSeq: number;
  snapshotSeq: number | null;
  kinds: string[] | null;
  updatedAt: Date;
}): ReplicaState {
  return {
    zone: row.zone,
    epoch: row.epoch,
    appliedSeq: row.appliedSeq,
    snapshotSeq: row.snapshotSeq,
    kinds: row.kinds === null ? null : [...row.kinds].sort(),
    updatedAt: row.updatedAt,
  };
}

/**
 * `ON CONFLICT (id) DO UPDATE SET col = excluded.col` for every other column of `table`: a
 * replicated row replaces the stored one whole. Both dialects spell `excluded` alike.
 */
export function excludedSet(table: Table): Record<string, SQL> {
  return Object.fromEntries(
    Object.entries(getTableColumns(table))
      .filter(([, column]) => !column.primary)
      .map(([key, column]) => [key, sql.raw(`excluded."${column.name}"`)]),
  );
}
