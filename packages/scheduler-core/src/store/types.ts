import type {
  HandlerRecord,
  Job,
  JobError,
  JobSource,
  JobStatus,
  RetryPolicy,
  Schedule,
  ScheduleSpec,
  Target,
} from '@schedulezero/protocol';
import type { ClusterStore } from '../cluster/types.ts';

/**
 * The store contract. Two implementations (SQLite and PostgreSQL, both on drizzle-orm) pass the
 * same contract suite. Expected outcomes (not found, duplicate, stale version, lost claim) are
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

/** A schedule as the service hands it to the store: spec plus the computed next fire time. */
export interface ScheduleDraft extends ScheduleSpec {
  id: string;
  nextRunAt: Date | null;
}

/**
 * An edit of a stored schedule: the whole spec, and `nextRunAt` only when the edit re-arms it (a
 * new trigger, a resume). Without it the stored fire time stays: the loop may have advanced it
 * since the caller read the schedule.
 */
export type ScheduleUpdate = Omit<ScheduleDraft, 'nextRunAt'> & { nextRunAt?: Date | null };

export interface ScheduleQuery {
  limit: number;
  cursor?: string | undefined;
  task?: string | undefined;
  paused?: boolean | undefined;
}

export interface JobQuery {
  limit: number;
  cursor?: string | undefined;
  scheduleId?: string | undefined;
  status?: JobStatus | undefined;
}

/** A job the planner wants created; the store fills timestamps and defaults. */
export interface JobDraft {
  id: string;
  scheduleId: string;
  task: string;
  args: unknown;
  source: JobSource;
  scheduledAt: Date;
  /** `pending` to run, `missed` to record a fire time that will not run. */
  status: 'pending' | 'missed';
  maxAttempts: number;
  retry: RetryPolicy;
  timeoutSeconds: number;
  target: Target;
  notBefore: Date;
  error?: JobError | null;
  missedCount?: number | null;
  missedUntil?: Date | null;
}

/** What to do with one due schedule; decided by scheduler-core's planner inside the acquiring transaction. */
export interface FirePlan {
  jobs: JobDraft[];
  /** The schedule's next fire time after this acquisition; null when the trigger is exhausted. */
  nextRunAt: Date | null;
  /** Set when a job will run: the schedule's `lastRunAt` becomes this fire time. */
  lastRunAt?: Date | null;
}

/**
 * Called once per due schedule, synchronously, inside the acquiring transaction.
 * `activeJobs` counts the schedule's pending + running jobs before this plan.
 */
export type FirePlanner = (schedule: Schedule, now: Date, activeJobs: number) => FirePlan;

export type JobOutcome =
  | { status: 'succeeded'; result: unknown }
  | { status: 'failed' | 'timed_out' | 'cancelled'; error: JobError; result?: unknown };

export interface FinishJob {
  jobId: string;
  /** Fencing: the finish applies only while the job is `running` with this attempt number. */
  attempt: number;
  finishedAt: Date;
  outcome: JobOutcome;
  /** When set and the outcome is not success, the job goes back to `pending` until this instant. */
  retryAt?: Date | null;
  /**
   * The handler that ran the attempt, when it is not the claimer (remote dispatch); null when no
   * handler ran it (it failed or was cancelled before one took it).
   */
  handlerId?: string | null | undefined;
}

/** A running attempt handed to a handler (see `Store.recordHandoffs`). */
export interface Handoff {
  jobId: string;
  attempt: number;
  handlerId: string;
}

/** A claimed attempt to hand back (see `Store.releaseJobs`). */
export interface ReleaseJob {
  jobId: string;
  attempt: number;
}

export interface UnservedJobs {
  now: Date;
  waitingSince: Date;
  servedTasks: readonly string[];
}

export interface ClaimJobs {
  now: Date;
  limit: number;
  /**
   * The claiming node, recorded so that its restart recovers the attempt (`recoverRunningJobs`).
   * The job's `handlerId` stays null until a handler takes the attempt (`recordHandoffs`).
   */
  claimedBy: string;
  /**
   * The cluster instance claiming (PostgreSQL): recorded as the job's owner, and nothing is claimed
   * unless that instance is `active` in the registry (a master declared dead claims nothing).
   */
  owner?: string | undefined;
  /** Only jobs of these tasks; all tasks when omitted. */
  tasks?: readonly string[] | undefined;
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

export interface ChangeRow {
  zone: string;
  /** Contiguous per zone, starting at 1. */
  seq: number;
  epoch: string;
  topic: string;
  payload: unknown;
  createdAt: Date;
}

export interface Store {
  readonly dialect: 'sqlite' | 'postgres';
  /** The instance registry and leader lease of a cluster of masters; PostgreSQL only. */
  readonly cluster?: ClusterStore;
  /** Throws when the database cannot be reached. */
  ping(): Promise<void>;
  close(): Promise<void>;

  createSchedule(draft: ScheduleDraft, now: Date): Promise<Outcome<Schedule, 'duplicate'>>;
  /**
   * Several schedules in one transaction, all or none: when any id exists already (or repeats in
   * the batch) nothing is created and the outcome is `duplicate`. Created in the order given.
   */
  createSchedules(drafts: readonly ScheduleDraft[], now: Date): Promise<Outcome<Schedule[], 'duplicate'>>;
  getSchedule(id: string): Promise<Schedule | undefined>;
  /** Writes the whole spec (id unchanged) and bumps `version`; firing (`acquireDueSchedules`) does not. */
  updateSchedule(
    draft: ScheduleUpdate,
    now: Date,
    expectedVersion?: number,
  ): Promise<Outcome<Schedule, 'not_found' | 'version_conflict'>>;
  deleteSchedule(
    id: string,
    expectedVersion?: number,
  ): Promise<Outcome<Schedule, 'not_found' | 'version_conflict'>>;
  /** Ordered by id. */
  listSchedules(query: ScheduleQuery): Promise<Page<Schedule>>;
  countSchedules(): Promise<{ total: number; paused: number }>;
  /** The earliest `nextRunAt` of an unpaused schedule: when the loop must wake next. */
  earliestNextRunAt(): Promise<Date | null>;
  /**
   * Locks up to `limit` unpaused schedules with `nextRunAt <= now` (skipping rows another
   * transaction holds), asks `plan` what to do with each, inserts its jobs (a job whose
   * (scheduleId, scheduledAt) exists already is skipped) and writes the new `nextRunAt`.
   * Returns the jobs inserted.
   */
  acquireDueSchedules(now: Date, limit: number, plan: FirePlanner): Promise<Job[]>;

  /**
   * A run-now job for a schedule. Refused with `max_instances` when the schedule already has
   * `maxInstances` pending or running jobs.
   */
  createManualJob(
    scheduleId: string,
    draft: (schedule: Schedule) => JobDraft,
  ): Promise<Outcome<Job, 'not_found' | 'max_instances' | 'duplicate'>>;
  /** Pending jobs with `notBefore <= now`, oldest first, become `running` with attempt + 1. */
  claimJobs(claim: ClaimJobs): Promise<Job[]>;
  finishJob(finish: FinishJob): Promise<Outcome<Job, 'not_found' | 'stale'>>;
  /**
   * Claimed jobs no handler could take at once go back to `pending` as they were before the
   * claim (attempt − 1, no handler, not started), so that a job waiting for a handler shows as
   * waiting. Fenced like `finishJob`: a job no longer running that attempt is left alone.
   */
  releaseJobs(releases: readonly ReleaseJob[], now: Date): Promise<void>;
  /**
   * Names the handler each running attempt was handed to (its `handlerId`), so that who runs a
   * job is known while it runs, not only once it ends. Fenced like `finishJob`; unlogged like a
   * claim (a replica sees the attempt when it ends).
   */
  recordHandoffs(handoffs: readonly Handoff[], now: Date): Promise<void>;
  /**
   * A pending job becomes `cancelled` (final: it never runs). `not_pending` when it is running
   * or finished by then.
   */
  cancelPendingJob(jobId: string, now: Date): Promise<Outcome<Job, 'not_found' | 'not_pending'>>;
  /** A new job from a draft, whether or not its schedule still exists (a re-run of a finished job). */
  createJob(draft: JobDraft, now: Date): Promise<Outcome<Job, 'duplicate'>>;
  /**
   * Several finishes in one transaction, each fenced on its own exactly as `finishJob` (a stale or
   * unknown one is reported and does not affect the others). Outcomes in the order given. The run
   * loop records results in batches with it: one commit for all results that arrived together.
   */
  finishJobs(finishes: readonly FinishJob[]): Promise<Array<Outcome<Job, 'not_found' | 'stale'>>>;
  /** The earliest `notBefore` later than `after` of a pending job (retries waiting for their backoff). */
  earliestPendingAt(after: Date): Promise<Date | null>;
  /**
   * Jobs left `running` by attempts that `nodes` claimed (this node before a crash) go back to
   * `pending` when attempts remain, else `failed` with code `interrupted`. Returns them.
   */
  recoverRunningJobs(nodes: readonly string[], now: Date): Promise<Job[]>;
  /**
   * Pending jobs due since `waitingSince` or earlier whose task is not in `servedTasks` (no
   * handler offers it) become `failed` with code `no_handler`, so a job never waits unbounded
   * for a handler that does not exist. Returns them.
   */
  failUnservedJobs(query: UnservedJobs): Promise<Job[]>;
  getJob(id: string): Promise<Job | undefined>;
  /** Newest first: by `scheduledAt` desc, then id desc. */
  listJobs(query: JobQuery): Promise<Page<Job>>;
  countJobsByStatus(): Promise<Record<JobStatus, number>>;

  upsertHandler(handler: HandlerRecord, op: 'registered' | 'updated' | 'offline'): Promise<HandlerRecord>;
  getHandler(id: string): Promise<HandlerRecord | undefined>;
  listHandlers(): Promise<HandlerRecord[]>;

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

  // ---- the replica side: written only by the replication subscriber, never to the change log ----

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
