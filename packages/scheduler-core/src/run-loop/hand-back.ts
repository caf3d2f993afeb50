import type { Job } from '@schedulezero/protocol';
import type { Clock } from '../clock.ts';
import { toError } from '../errors.ts';
import { unmatchedTargetError } from '../execution/job-errors.ts';
import type { Logger } from '../logger.ts';
import type { FiringStore } from '../store/ports/firing-store.ts';
import type { FinishBatcher } from './finish-batcher.ts';
import type { LoopState } from './loop-state.ts';
import { noteWorkAt } from './next-work.ts';

/** A claimed job no handler could take at once, with where it stood. */
export interface Unplaced {
  job: Job;
  placement: 'busy' | 'none';
}

export interface HandBackOptions {
  state: LoopState;
  store: Pick<FiringStore, 'releaseJobs'>;
  clock: Clock;
  logger: Logger;
  finishes: FinishBatcher;
  noHandlerWaitMs: number;
  maxSleepMs: number;
}

export interface HandBack {
  /** Returns unplaced jobs to `pending`, or fails the ones no handler matched for too long. */
  handBack(unplaced: readonly Unplaced[]): Promise<void>;
  /** The job started: it no longer waits for a handler. */
  started(jobId: string): void;
}

/**
 * Claimed jobs no handler can take now go back to `pending` (a job that waits names no handler);
 * the next pass with a free slot claims them again. One that no handler matches at all fails
 * with `no_handler` once it has waited `noHandlerWaitMs` (counted from the loop's start too).
 */
export function createHandBack(options: HandBackOptions): HandBack {
  const { state, store, clock, logger, noHandlerWaitMs } = options;
  /** Since when (ms) each job that no handler matches has waited: it fails after `noHandlerWaitMs`. */
  const unmatchedSince = new Map<string, number>();

  function fail(job: Job, waitedMs: number): void {
    const error = unmatchedTargetError(job, waitedMs);
    // Like a job of a task nobody offers (`failUnserved`): final, no retry, run by no handler.
    const finish = { jobId: job.id, attempt: job.attempt, finishedAt: clock.now() };
    void options.finishes
      .finish({ ...finish, outcome: { status: 'failed', error }, retryAt: null, handlerId: null })
      .then(() => logger.warn({ jobId: job.id, error }, 'job failed: no handler matches it'))
      .catch((err: unknown) =>
        logger.error({ err: toError(err), jobId: job.id }, 'could not record job outcome'),
      );
  }

  return {
    async handBack(unplaced) {
      if (unplaced.length === 0) return;
      const nowMs = clock.now().getTime();
      // A job seen long ago and not since was cancelled or deleted meanwhile: forget it.
      for (const [jobId, since] of unmatchedSince) {
        if (nowMs - since > 2 * noHandlerWaitMs + options.maxSleepMs) unmatchedSince.delete(jobId);
      }
      const release: Unplaced[] = [];
      for (const entry of unplaced) {
        if (entry.placement === 'busy') {
          unmatchedSince.delete(entry.job.id);
          release.push(entry);
          continue;
        }
        const since = Math.max(unmatchedSince.get(entry.job.id) ?? nowMs, state.startedMs);
        if (nowMs - since < noHandlerWaitMs) {
          unmatchedSince.set(entry.job.id, since);
          noteWorkAt(state, clock.now().getTime(), since + noHandlerWaitMs);
          release.push(entry);
          continue;
        }
        unmatchedSince.delete(entry.job.id);
        fail(entry.job, nowMs - since);
      }
      await store.releaseJobs(
        release.map(({ job }) => ({ jobId: job.id, attempt: job.attempt })),
        clock.now(),
      );
    },
    started(jobId) {
      unmatchedSince.delete(jobId);
    },
  };
}
