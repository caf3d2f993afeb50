import type { Job, JobError, Schedule } from '@schedulezero/protocol';
import type { Outcome } from '../types.ts';
import type { JobDraft } from './job-store.ts';

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

/** A running attempt handed to a handler (see `FiringStore.recordHandoffs`). */
export interface Handoff {
  jobId: string;
  attempt: number;
  handlerId: string;
}

/** A claimed attempt to hand back (see `FiringStore.releaseJobs`). */
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

/**
 * What the master's run loop needs: fire due schedules into jobs, claim the jobs, hand them to
 * handlers or back, record how they ended, and know when to wake next.
 */
export interface FiringStore {
  /** The earliest `nextRunAt` of an unpaused schedule: when the loop must wake next. */
  earliestNextRunAt(): Promise<Date | null>;
  /**
   * Locks up to `limit` unpaused schedules with `nextRunAt <= now` (skipping rows another
   * transaction holds), asks `plan` what to do with each, inserts its jobs (a job whose
   * (scheduleId, scheduledAt) exists already is skipped) and writes the new `nextRunAt`.
   * Returns the jobs inserted.
   */
  acquireDueSchedules(now: Date, limit: number, plan: FirePlanner): Promise<Job[]>;
  /** Pending jobs with `notBefore <= now`, oldest first, become `running` with attempt + 1. */
  claimJobs(claim: ClaimJobs): Promise<Job[]>;
  /**
   * Claimed jobs no handler could take at once go back to `pending` as they were before the
   * claim (attempt − 1, no handler, not started), so that a job waiting for a handler shows as
   * waiting. Fenced like `finishJobs`: a job no longer running that attempt is left alone.
   */
  releaseJobs(releases: readonly ReleaseJob[], now: Date): Promise<void>;
  /**
   * Names the handler each running attempt was handed to (its `handlerId`), so that who runs a
   * job is known while it runs, not only once it ends. Fenced like `finishJobs`; unlogged like a
   * claim (a replica sees the attempt when it ends).
   */
  recordHandoffs(handoffs: readonly Handoff[], now: Date): Promise<void>;
  /**
   * Several finishes in one transaction, each fenced on its own (see `FinishJob.attempt`): a stale
   * or unknown one is reported and does not affect the others. Outcomes in the order given. The
   * run loop records results in batches with it: one commit for all results that arrived together.
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
}

/** The half of `FiringStore` each dialect keeps in `firing.ts`: due schedules become jobs. */
export type ScheduleFiring = Pick<FiringStore, 'earliestNextRunAt' | 'acquireDueSchedules'>;

/** The other half, in each dialect's `job-queue.ts`: claim, hand over or back, finish, recover, fail the unserved. */
export type JobQueue = Omit<FiringStore, keyof ScheduleFiring>;
