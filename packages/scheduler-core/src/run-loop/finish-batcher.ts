import type { Job } from '@schedulezero/protocol';
import type { FinishJob, FiringStore } from '../store/ports/firing-store.ts';
import type { Outcome } from '../store/types.ts';

interface QueuedFinish {
  finish: FinishJob;
  resolve: (outcome: Outcome<Job, 'not_found' | 'stale'>) => void;
  reject: (error: unknown) => void;
}

/** Finishes written per transaction at most. */
const FINISH_BATCH = 500;

export interface FinishBatcher {
  finish(finish: FinishJob): Promise<Outcome<Job, 'not_found' | 'stale'>>;
}

/**
 * Results are recorded in batches: a finish waits for the end of the current turn of the event
 * loop, and everything queued by then is written in one transaction (`finishJobs`, fenced per
 * job as `finishJob`). A job's slot is freed only after its own finish committed, as before.
 */
export function createFinishBatcher(store: Pick<FiringStore, 'finishJobs'>): FinishBatcher {
  const queue: QueuedFinish[] = [];
  let flushScheduled = false;
  let flushing: Promise<void> | undefined;

  function scheduleFlush(): void {
    if (flushScheduled || flushing) return;
    flushScheduled = true;
    setImmediate(() => {
      flushScheduled = false;
      flush();
    });
  }

  function flush(): void {
    const batch = queue.splice(0, FINISH_BATCH);
    if (batch.length === 0) return;
    flushing = store
      .finishJobs(batch.map((queued) => queued.finish))
      .then(
        (outcomes) => {
          batch.forEach((queued, i) => {
            const outcome = outcomes[i];
            if (outcome) queued.resolve(outcome);
            else queued.reject(new Error('finishJobs returned fewer outcomes than finishes'));
          });
        },
        (error: unknown) => {
          for (const queued of batch) queued.reject(error);
        },
      )
      .finally(() => {
        flushing = undefined;
        if (queue.length > 0) scheduleFlush();
      });
  }

  return {
    finish(finish) {
      return new Promise((resolve, reject) => {
        queue.push({ finish, resolve, reject });
        scheduleFlush();
      });
    },
  };
}
