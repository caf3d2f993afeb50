import type { ChangeRecord } from '../types.ts';

export interface ChangeRow {
  zone: string;
  /** Contiguous per zone, starting at 1. */
  seq: number;
  epoch: string;
  topic: string;
  payload: unknown;
  createdAt: Date;
}

export interface ChangeHead {
  /** The database's epoch, drawn when it was created. */
  epoch: string;
  /** Highest committed seq of the zone's stream; 0 when empty. */
  seq: number;
  /** The oldest seq still in the change log; `seq + 1` when none is retained. */
  oldestSeq: number;
}

/** A row goes when either bound says so. */
export interface ChangeRetention {
  /** Keep the newest `keepRows` seqs. */
  keepRows?: number | undefined;
  /** Drop rows committed before this instant (and any older seq). */
  olderThan?: Date | undefined;
}

export interface Snapshot {
  epoch: string;
  /** The zone's head when the state was read: the records include every change up to it. */
  seq: number;
  records: ChangeRecord[];
}

/**
 * The master's change log as the replication publisher and sync server read it: each zone's
 * stream of the records its writes appended (see `StoreOptions.projector`), and snapshots.
 */
export interface ChangeFeed {
  /** Change-log rows of one zone with `seq >= fromSeq`, ascending. */
  readChanges(zone: string, fromSeq: number, limit: number): Promise<ChangeRow[]>;
  /** A zone's stream position, read at one instant. */
  changeHead(zone: string): Promise<ChangeHead>;
  /**
   * Deletes a zone's oldest change-log rows per `retention`. Rows go by seq, never leaving a hole:
   * what remains is always `oldestSeq..head`.
   */
  pruneChanges(zone: string, retention: ChangeRetention): Promise<{ deleted: number; oldestSeq: number }>;
  /**
   * The zone's whole projected state and its head seq from one read (one SQLite read transaction,
   * a REPEATABLE READ transaction on PostgreSQL): every schedule as `created`, every job in a final
   * status as `executed` (the jobs the stream carries), every handler as `registered`, run through
   * the projector and kept for `zone`. Applying the records and then the stream from `seq + 1`
   * gives the master's state. Empty without a projector.
   */
  readSnapshot(zone: string): Promise<Snapshot>;
}
