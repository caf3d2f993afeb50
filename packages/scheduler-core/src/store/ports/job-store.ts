import type {
  Job,
  JobError,
  JobSource,
  JobStatus,
  RetryPolicy,
  Schedule,
  Target,
} from '@schedulezero/protocol';
import type { Outcome, Page } from '../types.ts';

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

/** The jobs as the API reads them, and the jobs an operator makes or stops (run now, re-run, cancel). */
export interface JobStore {
  getJob(id: string): Promise<Job | undefined>;
  /** Newest first: by `scheduledAt` desc, then id desc. */
  listJobs(query: JobQuery): Promise<Page<Job>>;
  countJobsByStatus(): Promise<Record<JobStatus, number>>;
  /**
   * A run-now job for a schedule. Refused with `max_instances` when the schedule already has
   * `maxInstances` pending or running jobs.
   */
  createManualJob(
    scheduleId: string,
    draft: (schedule: Schedule) => JobDraft,
  ): Promise<Outcome<Job, 'not_found' | 'max_instances' | 'duplicate'>>;
  /** A new job from a draft, whether or not its schedule still exists (a re-run of a finished job). */
  createJob(draft: JobDraft, now: Date): Promise<Outcome<Job, 'duplicate'>>;
  /**
   * A pending job becomes `cancelled` (final: it never runs). `not_pending` when it is running
   * or finished by then.
   */
  cancelPendingJob(jobId: string, now: Date): Promise<Outcome<Job, 'not_found' | 'not_pending'>>;
}
