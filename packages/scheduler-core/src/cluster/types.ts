import type { Job } from '@schedulezero/protocol';
import type { WakeListener } from '../store/pg/wakeups.ts';
import type { InstanceAddresses, InstanceStatus, LeadershipEvent } from './schema-pg.ts';

export type { InstanceAddresses, InstanceStatus, LeadershipEvent };

/** What a master tells the registry about itself when it starts. */
export interface InstanceRegistration {
  id: string;
  name: string;
  pid: number;
  host: string;
  version: string;
  addresses: InstanceAddresses;
}

export interface Instance extends InstanceRegistration {
  /** 1 for the first start of this name, then one more per restart. */
  incarnation: number;
  status: InstanceStatus;
  startedAt: Date;
  lastSeenAt: Date;
  endedAt: Date | null;
  endedBy: string | null;
}

/** An instance declared dead and the jobs its death sent back (or failed as `interrupted`). */
export interface DeclaredDead {
  instance: Instance;
  recovered: Job[];
}

export interface LeaseState {
  holder: string | null;
  term: number;
  acquiredAt: Date | null;
  expiresAt: Date | null;
}

export type LeaseOutcome =
  | { leader: true; term: number; elected: boolean }
  | { leader: false; holder: string | null; term: number };

export interface LeadershipLogRow {
  id: number;
  term: number;
  instanceId: string;
  event: LeadershipEvent;
  at: Date;
  detail: string;
}

/**
 * The cluster's port on the database (PostgreSQL only). Every write that changes jobs goes through
 * the store's write path, so recovered jobs reach the change log like any other finish.
 */
export interface ClusterStore {
  /** A new instance row, `active`, seen now; its incarnation counts the starts of its name. */
  register(registration: InstanceRegistration): Promise<Instance>;
  /**
   * Marks an `active` instance seen now (and writes its addresses). `fenced` when it is no longer
   * active: it was declared dead, and must stop firing and claiming and register anew.
   */
  heartbeat(id: string, addresses: InstanceAddresses): Promise<'ok' | 'fenced'>;
  /** `leaving`: claims stop at once (the claim fence), while its running jobs may still finish. */
  markLeaving(id: string): Promise<void>;
  /**
   * The end of a graceful stop: its jobs still `running` go back (or fail as `interrupted`) and
   * the instance is `dead`, ended by itself, in one transaction.
   */
  leave(id: string): Promise<Job[]>;
  /**
   * Each `active` or `leaving` instance other than `by` not seen for `deadAfterMs` (database time)
   * becomes `dead`, in one transaction per instance that also recovers its running jobs. Row
   * locks make each declaration happen once, whoever else tries.
   */
  declareDead(deadAfterMs: number, by: string): Promise<DeclaredDead[]>;
  /** Newest start first. */
  listInstances(): Promise<Instance[]>;
  /** How many instances have each status (zeros included). */
  countInstances(): Promise<Record<InstanceStatus, number>>;

  /**
   * Takes or renews the leader lease for `leaseMs` (database time). An expired lease of another
   * holder is taken with the next term; `expired` and `elected` rows are logged. Only an `active`
   * instance can hold it.
   */
  claimLeadership(id: string, leaseMs: number): Promise<LeaseOutcome>;
  /** Gives the lease up if `id` holds it (logged as `resigned`). */
  resign(id: string): Promise<void>;
  lease(): Promise<LeaseState>;
  /** Newest first. */
  leadershipLog(limit: number): Promise<LeadershipLogRow[]>;

  /**
   * Calls `onWake` whenever another master's write made work due (a schedule created, changed,
   * resumed or run, a job created or sent back to pending), until closed.
   */
  listenWakes(onWake: () => void): Promise<WakeListener>;
}
