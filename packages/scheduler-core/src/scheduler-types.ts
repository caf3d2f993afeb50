import type {
  CreateScheduleBody,
  HandlerRecord,
  Job,
  JobStatus,
  PatchScheduleBody,
  Schedule,
  ScheduleSpec,
  ScheduleWarning,
  Trigger,
} from '@schedulezero/protocol';
import type { GovernorStats } from './limits/governor.ts';
import type { JobQuery } from './store/ports/job-store.ts';
import type { ScheduleQuery } from './store/ports/schedule-store.ts';
import type { Page } from './store/types.ts';

/**
 * What a node's HTTP layer (and CLI, dashboard) calls. Methods throw `SchedulerError` for the
 * expected failures: `validation` (bad trigger, with details naming the field), `not_found`,
 * `conflict` (duplicate id), `version_conflict` (stale version), `max_instances`, `job_finished`
 * and `job_not_finished` (a cancel or re-run that does not fit the job's status).
 */
export interface Scheduler {
  /** Recovers jobs interrupted by a crash, then arms the loop. */
  start(): Promise<void>;
  /** Stops firing; waits up to `graceMs` for running jobs, then aborts them. Idempotent. */
  stop(options?: { graceMs?: number }): Promise<void>;
  /** Looks for due schedules and pending jobs now (e.g. jobs a dead master's death sent back). */
  wake(): void;

  createSchedule(body: CreateScheduleBody): Promise<Schedule>;
  /**
   * Many schedules at once, in one transaction: all are validated first, and a duplicate id
   * (`conflict`) creates none of them. For bulk loads; the loop is woken once.
   */
  createSchedules(bodies: readonly CreateScheduleBody[]): Promise<Schedule[]>;
  getSchedule(id: string): Promise<Schedule>;
  listSchedules(query: ScheduleQuery): Promise<Page<Schedule>>;
  replaceSchedule(id: string, spec: ScheduleSpec, expectedVersion?: number): Promise<Schedule>;
  patchSchedule(id: string, patch: PatchScheduleBody): Promise<Schedule>;
  deleteSchedule(id: string, expectedVersion?: number): Promise<void>;
  pauseSchedule(id: string): Promise<Schedule>;
  resumeSchedule(id: string): Promise<Schedule>;
  /**
   * What to tell whoever wrote a schedule of `task`: `no_handler_for_task` when no handler offers
   * it (no local one, no registered worker that is not offline) — a typo in the name, most likely.
   */
  taskWarnings(task: string): Promise<ScheduleWarning[]>;
  /** The tasks some handler offers (local handlers, workers on the link, registered handlers not offline), sorted. */
  offeredTasks(): Promise<string[]>;
  /** A manual job, run as soon as an executor takes it. */
  runNow(id: string): Promise<Job>;
  /** The schedule's next fire times after `from` (default now). */
  nextFireTimes(id: string, count: number, from?: Date): Promise<Date[]>;
  /** Fire times of a trigger that is not stored; throws `validation` when it is invalid. */
  previewTrigger(trigger: Trigger, count: number, from?: Date): Date[];

  getJob(id: string): Promise<Job>;
  listJobs(query: JobQuery): Promise<Page<Job>>;
  /**
   * A pending job never runs; a running one has its handler's AbortSignal fired (local or remote)
   * and ends `cancelled` without a retry. Returns the job as recorded. `job_finished` when it has
   * already finished, `not_found`.
   */
  cancelJob(id: string): Promise<Job>;
  /** A new pending job for the same task, args, retry and target as a finished one; `job_not_finished` otherwise. */
  rerunJob(id: string): Promise<Job>;
  listHandlers(): Promise<HandlerRecord[]>;
  stats(): Promise<SchedulerStats>;
}

/**
 * The read half of `Scheduler`: what a read-only node (a replica) serves from its own store.
 * `previewTrigger` computes without the store; the HTTP layer still refuses it on a replica (a POST).
 */
export type ReadScheduler = Pick<
  Scheduler,
  | 'getSchedule'
  | 'listSchedules'
  | 'nextFireTimes'
  | 'previewTrigger'
  | 'getJob'
  | 'listJobs'
  | 'listHandlers'
  | 'stats'
>;

export interface SchedulerStats {
  schedules: { total: number; paused: number };
  jobs: Record<JobStatus, number>;
  /** Jobs currently executing in this process. */
  running: number;
  /** Fire lateness (job start − scheduled time) of jobs started by this process, in ms. */
  lateness: { count: number; sumMs: number; buckets: Array<{ leMs: number; count: number }> };
  /** How often a governor limit held back work, by task and limit. */
  throttled: GovernorStats['throttled'];
}
