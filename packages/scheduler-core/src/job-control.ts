import type { Job } from '@schedulezero/protocol';
import type { Clock } from './clock.ts';
import { SchedulerError } from './errors.ts';
import { newId } from './ids.ts';
import type { RunLoop } from './run-loop.ts';
import { isFinal } from './store/job-transitions.ts';
import type { JobStore } from './store/ports/job-store.ts';

export interface JobControlOptions {
  store: JobStore;
  loop: Pick<RunLoop, 'cancel' | 'wake'>;
  clock: Clock;
  /** Refuses a re-run (`rate_limited`) while this many jobs are pending, as run-now does. */
  assertQueueRoom: () => Promise<void>;
}

/** A claim races a cancel of a pending job at most this often before the cancel gives up. */
const CANCEL_TRIES = 3;

/** Cancel and re-run of single jobs, for the API. */
export function createJobControl({ store, loop, clock, assertQueueRoom }: JobControlOptions) {
  async function current(id: string): Promise<Job> {
    const job = await store.getJob(id);
    if (!job) throw new SchedulerError('not_found', `job "${id}" does not exist`);
    return job;
  }

  function finished(job: Job): SchedulerError {
    return new SchedulerError(
      'job_finished',
      `job "${job.id}" has already finished (${job.status}); only a pending or running job can be cancelled`,
    );
  }

  return {
    /**
     * A pending job never runs; a running one has its handler's signal aborted and ends
     * `cancelled`, without a retry. A job may move between pending and running while this runs
     * (a claim, a hand-back), so each state is tried a bounded number of times.
     */
    async cancelJob(id: string): Promise<Job> {
      for (let tries = 0; tries < CANCEL_TRIES; tries++) {
        const job = await current(id);
        if (isFinal(job.status)) throw finished(job);
        if (job.status === 'pending') {
          const outcome = await store.cancelPendingJob(id, clock.now());
          if (outcome.ok) return outcome.value;
          continue;
        }
        if (await loop.cancel(id)) return current(id);
      }
      const job = await current(id);
      if (isFinal(job.status)) throw finished(job);
      throw new SchedulerError(
        'conflict',
        `job "${id}" is ${job.status} but not run by this node; try again`,
      );
    },

    /** A finished job again: a new pending job of the same schedule, task, args, retry and target. */
    async rerunJob(id: string): Promise<Job> {
      const job = await current(id);
      if (!isFinal(job.status)) {
        throw new SchedulerError(
          'job_not_finished',
          `job "${id}" is ${job.status}; only a finished job can be re-run (cancel it first)`,
        );
      }
      await assertQueueRoom();
      const now = clock.now();
      const outcome = await store.createJob(
        {
          id: newId(),
          scheduleId: job.scheduleId,
          task: job.task,
          args: job.args,
          source: 'manual',
          scheduledAt: now,
          status: 'pending',
          maxAttempts: job.maxAttempts,
          retry: job.retry,
          timeoutSeconds: job.timeoutSeconds,
          target: job.target,
          notBefore: now,
        },
        now,
      );
      if (!outcome.ok)
        throw new SchedulerError(
          'conflict',
          `a job of schedule "${job.scheduleId}" exists at this instant; try again`,
        );
      loop.wake();
      return outcome.value;
    },
  };
}
