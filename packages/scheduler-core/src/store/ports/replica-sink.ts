import type { Outcome } from '../types.ts';

/** A change-log row as a replica receives it (payloads are JSON: instants are ISO strings). */
export interface ReplicatedRow {
  seq: number;
  topic: string;
  payload: unknown;
}

export interface ReplicaState {
  zone: string;
  /** The master's epoch the replica's data belongs to. */
  epoch: string;
  /** Every change up to this seq is applied (rows of kinds the replica does not take included). */
  appliedSeq: number;
  /** Set while a snapshot read at this seq is being loaded: the data is incomplete. */
  snapshotSeq: number | null;
  /** The kinds the replica takes; null for all. */
  kinds: string[] | null;
  updatedAt: Date;
}

export interface ResetReplica {
  zone: string;
  epoch: string;
  snapshotSeq: number;
  kinds: string[] | null;
}

export interface ApplySnapshot {
  zone: string;
  epoch: string;
  snapshotSeq: number;
  records: Array<{ topic: string; payload: unknown }>;
  complete: boolean;
}

export interface ApplyReplicated {
  zone: string;
  epoch: string;
  /** Ascending by seq. */
  rows: ReplicatedRow[];
  /** Where the batch leaves the replica; beyond the last row when the rows after it were of other kinds. */
  appliedSeq: number;
}

/**
 * `no_state`: no snapshot was ever started for this zone. `epoch_mismatch`: the data belongs to
 * another master database. `snapshot_incomplete`: a snapshot is loading (changes must wait).
 * `not_loading`: a snapshot page for a snapshot that is not the one loading.
 */
export type ReplicaRefusal = 'no_state' | 'epoch_mismatch' | 'snapshot_incomplete' | 'not_loading';

/**
 * A replica's side of the stream, written only by its replication subscriber and never to the
 * change log: where the replica stands, and the snapshot and changes it applies.
 */
export interface ReplicaSink {
  /** The replica's position in `zone`'s stream; undefined before its first snapshot. */
  replicationState(zone: string): Promise<ReplicaState | undefined>;
  /**
   * Starts loading a snapshot read at `snapshotSeq`: deletes every schedule, job and handler and
   * every replication state, and records `zone` as loading. A replica database follows one zone.
   */
  resetReplica(reset: ResetReplica): Promise<ReplicaState>;
  /** Writes one page of the snapshot being loaded; `complete` sets `appliedSeq` to the snapshot's seq. */
  applySnapshot(page: ApplySnapshot): Promise<Outcome<ReplicaState, ReplicaRefusal>>;
  /**
   * Applies rows in one transaction with the new `appliedSeq`: rows with `seq <= appliedSeq` are
   * skipped, so a batch applied twice changes nothing. Refused while a snapshot is loading.
   */
  applyReplicated(batch: ApplyReplicated): Promise<Outcome<ReplicaState, ReplicaRefusal>>;
}
