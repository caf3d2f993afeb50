import type { ReplicationKind, SnapshotRequiredReason } from '@schedulezero/protocol';
import type { ChangeFeed, Clock, Logger, ReplicaSink } from '@schedulezero/scheduler-core';
import type { Socket } from 'zeromq';

/**
 * Which socket a `configureSocket` hook is handed: the master's `publish` (PUB) and `sync`
 * (ROUTER) of a zone, the replica's `subscribe` (SUB) and `request` (DEALER).
 */
export type SocketRole = 'publish' | 'sync' | 'subscribe' | 'request';

/**
 * Called once per socket before it binds or connects: the place for CURVE keys, ZAP domains and
 * socket options (e.g. kernel buffer sizes in tests).
 */
export type ConfigureSocket = (socket: Socket, role: SocketRole, zone: string) => void | Promise<void>;

export interface PublisherZone {
  name: string;
  /** Where the PUB binds, e.g. `tcp://0.0.0.0:5562`; `tcp://127.0.0.1:*` picks a free port. */
  publish: string;
  /** Where the catch-up ROUTER binds. */
  sync: string;
}

export interface RetentionOptions {
  /** Keep the newest `keepRows` seqs of each zone. */
  keepRows?: number;
  /** Drop rows older than this. */
  maxAgeMs?: number;
  /** How often to prune; default 60 s. */
  intervalMs?: number;
}

export interface PublisherOptions {
  /** The master's change feed: its store, opened with the projector that writes each zone's change log. */
  store: ChangeFeed;
  zones: PublisherZone[];
  /** Heartbeat period; default 1000 ms. A replica takes 3 missed ones as silence. */
  heartbeatMs?: number;
  /** Rows per read of the log, per catch-up page and per snapshot page; default 500. */
  pageSize?: number;
  /** Fallback tail period, for commits this process is not told of (another master); default 250 ms. */
  pollMs?: number;
  /** PUB send high-water mark (messages per subscriber); default 1000. Never `noDrop`. */
  sendHighWaterMark?: number;
  retention?: RetentionOptions;
  /** A snapshot no replica asked a page of for this long is dropped; default 60 s. */
  snapshotTtlMs?: number;
  /** Snapshots kept per zone at once; the least recently used goes first. Default 4. */
  maxSnapshots?: number;
  /** Soft bound on a reply's JSON (at least one row always goes); default 4 MiB. */
  maxPageBytes?: number;
  logger?: Logger;
  clock?: Clock;
  configureSocket?: ConfigureSocket;
}

export interface ZoneStats {
  zone: string;
  epoch: string;
  publishEndpoint: string;
  syncEndpoint: string;
  /** The last seq published (and announced by heartbeats). */
  publishedSeq: number;
  /**
   * Subscribers connected to the zone's PUB: connections accepted minus those ended. A client
   * refused at its handshake counts until the master has closed it, a moment later.
   */
  subscribers: number;
  /** The oldest seq the log still holds, as of the last prune. */
  oldestSeq: number | null;
  published: number;
  heartbeats: number;
  syncRequests: number;
  snapshotRequests: number;
  snapshotsRead: number;
  snapshotRequired: Partial<Record<SnapshotRequiredReason, number>>;
  pruned: number;
  /** Requests dropped, by reason (malformed frames, unknown versions, busy). */
  dropped: Record<string, number>;
  sendErrors: Record<string, number>;
}

export interface PublisherStats {
  zones: ZoneStats[];
}

export interface Publisher {
  /** Binds every zone's sockets and starts tailing; rejects (and binds nothing) on failure. */
  start(): Promise<void>;
  /** A commit happened: tail now rather than at the next poll. Cheap; call it after every write. */
  notify(): void;
  close(): Promise<void>;
  stats(): PublisherStats;
}

export type SubscriberState = 'idle' | 'snapshotting' | 'catching_up' | 'live' | 'closed';

/** A master's two endpoints of the replica's zone. */
export interface MasterEndpoints {
  /** The zone's PUB. */
  publish: string;
  /** The zone's catch-up ROUTER. */
  sync: string;
}

export interface SubscriberOptions {
  /** The replica's own store: written only through the replica apply path. */
  store: ReplicaSink;
  zone: string;
  /** The master's PUB for this zone (one master: with `sync`, and without `masters`). */
  publish?: string;
  /** The master's catch-up ROUTER for this zone. */
  sync?: string;
  /**
   * The masters of a cluster (1 to 16), which publish one stream from their shared database: the
   * replica follows one at a time, the next in the list when it falls silent for `silenceMs` or a
   * catch-up request to it times out. Instead of `publish` and `sync`.
   */
  masters?: readonly MasterEndpoints[];
  /** The kinds to take; all when omitted or null. */
  kinds?: readonly ReplicationKind[] | null;
  /** Live frames buffered while catching up or snapshotting; default 10 000. */
  bufferLimit?: number;
  /** Rows asked per catch-up or snapshot page; default 500. */
  pageSize?: number;
  /** Live rows applied per transaction at most; default 500. */
  maxBatch?: number;
  /** A request without a reply for this long is retried; default 5000 ms. */
  requestTimeoutMs?: number;
  /** No frame for this long means disconnected, and the log is asked directly; default 3000 ms. */
  silenceMs?: number;
  /** SUB receive high-water mark; ZeroMQ's default (1000) when omitted. */
  receiveHighWaterMark?: number;
  logger?: Logger;
  clock?: Clock;
  configureSocket?: ConfigureSocket;
}

export interface SubscriberStatus {
  zone: string;
  state: SubscriberState;
  kinds: ReplicationKind[] | null;
  /** The master epoch the replica's data belongs to; null before its first snapshot. */
  epoch: string | null;
  appliedSeq: number;
  /** The highest seq the master has shown (heartbeat, change, catch-up reply). */
  headSeq: number;
  /** headSeq - appliedSeq: zone seqs, rows of kinds not taken included. */
  lagChanges: number;
  /** Master-clock age of the oldest change known and not applied; 0 when caught up. */
  lagMs: number;
  /** A frame or a reply from the master within `silenceMs`. */
  connected: boolean;
  /** The master followed now. */
  master: MasterEndpoints;
  /** Times the replica moved to the next of its masters. */
  masterSwitches: number;
  /**
   * Losses of the live stream, each repaired by a catch-up: seq jumps, heartbeats ahead, and
   * changes that a catch-up after a silence found undelivered.
   */
  gaps: number;
  /** Catch-ups after the first one: after gaps, silence, errors or a publisher behind the log. */
  resyncs: number;
  /** Snapshots taken, the first one included. */
  snapshots: number;
  /** Change rows applied (snapshot records not counted). */
  appliedRows: number;
  /** Of `appliedRows`, those that came from catch-up pages; the rest came from live frames. */
  catchUpRows: number;
  /**
   * Change frames read from the live stream (heartbeats not counted), applied or skipped: fewer
   * than the changes the master published while this replica listened means the stream lost some.
   */
  receivedChanges: number;
  /** Stream frames and replies dropped as malformed or unexpected. */
  dropped: number;
  errors: number;
  lastError: string | null;
}

export interface AppliedEvent {
  source: 'live' | 'sync' | 'snapshot';
  /** appliedSeq before and after. */
  fromSeq: number;
  toSeq: number;
  /** The seqs of the change rows written (none for a snapshot page). */
  seqs: number[];
}

/** The replica moved from one of its masters to the next. */
export interface SwitchedEvent {
  from: MasterEndpoints;
  to: MasterEndpoints;
  reason: string;
}

export interface SubscriberEvents {
  applied: AppliedEvent;
  state: SubscriberState;
  switched: SwitchedEvent;
}

export interface Subscriber {
  /** Reads the replica's state, connects, and runs until closed; rejects only on a bad setup. */
  start(): Promise<void>;
  close(): Promise<void>;
  status(): SubscriberStatus;
  on<E extends keyof SubscriberEvents>(event: E, listener: (value: SubscriberEvents[E]) => void): () => void;
  /** Resolves with the status once `predicate` holds; rejects after `timeoutMs`. */
  waitFor(predicate: (status: SubscriberStatus) => boolean, timeoutMs: number): Promise<SubscriberStatus>;
}
