import type { HandlerRecord, Job, Schedule } from '@schedulezero/protocol';

/**
 * What the store's ports share. The ports themselves are in ports/ (one per user), composed per
 * node role in roles.ts. Expected outcomes (not found, duplicate, stale version, lost claim) are
 * returned as values; only broken infrastructure throws.
 *
 * Every mutation runs in one transaction that also appends its change records (see `Change`) to
 * the change log when a `ChangeProjector` is configured: the replication outbox.
 */
export type Outcome<T, E extends string> = { ok: true; value: T } | { ok: false; reason: E };

export interface Page<T> {
  items: T[];
  /** Opaque; pass back as `cursor` for the next page. Null when this was the last page. */
  nextCursor: string | null;
}

/** A committed change, before zone projection. */
export type Change =
  | { kind: 'schedule'; op: 'created' | 'updated' | 'deleted'; schedule: Schedule }
  | { kind: 'job'; op: 'executed'; job: Job }
  | { kind: 'handler'; op: 'registered' | 'updated' | 'offline'; handler: HandlerRecord };

/** One row for one zone's stream; `payload` is already filtered for that zone. */
export interface ChangeRecord {
  zone: string;
  topic: string;
  payload: unknown;
}

/**
 * Maps a change to the rows each zone receives. Runs inside the writing transaction so that the
 * change log commits with the change, or not at all.
 */
export type ChangeProjector = (change: Change) => ChangeRecord[];

export interface StoreOptions {
  /** When set, every mutation appends the records it returns to the change log, in the same transaction. */
  projector?: ChangeProjector;
  /**
   * Called after a transaction that appended change-log rows commits, with the zones it wrote
   * (e.g. to wake the replication publisher). Its errors are ignored: the write has committed.
   */
  onCommit?: (zones: string[]) => void;
  /**
   * PostgreSQL: the server ends a session of this store that stays idle inside a transaction this
   * long, releasing its row locks. A master paused mid-transaction (SIGSTOP, a long GC pause) must
   * not hold the lease or its own instance row locked while the others declare it dead.
   */
  idleInTransactionTimeoutMs?: number;
}
