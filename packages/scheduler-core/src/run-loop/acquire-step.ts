import type { Clock } from '../clock.ts';
import type { Executor } from '../execution/executor.ts';
import { servedTasks } from '../execution/served-tasks.ts';
import type { Logger } from '../logger.ts';
import { planFires } from '../planner.ts';
import type { FiringStore } from '../store/ports/firing-store.ts';
import type { HandlerStore } from '../store/ports/handler-store.ts';
import type { LoopState } from './loop-state.ts';

export interface AcquireStepOptions {
  state: LoopState;
  store: Pick<FiringStore, 'acquireDueSchedules' | 'failUnservedJobs'> & Pick<HandlerStore, 'listHandlers'>;
  executor: Executor;
  clock: Clock;
  logger: Logger;
  /** Schedules acquired per transaction. */
  batchSize: number;
  noHandlerWaitMs: number;
  /** Claims and starts the jobs made so far (between the batches of a burst). */
  claim: () => Promise<void>;
  /** In a cluster, whether this node runs the once-per-cluster `no_handler` sweep. */
  leader?: (() => boolean) | undefined;
}

const plan = (schedule: Parameters<typeof planFires>[0], now: Date, active: number) =>
  planFires(schedule, now, active);

/**
 * The first half of a pass: when schedules may be due, acquire them (creating their jobs) in
 * batches, then fail the jobs of tasks no handler offers once they waited long enough.
 */
export function createAcquireStep(options: AcquireStepOptions): () => Promise<void> {
  const { state, store, executor, clock, logger, noHandlerWaitMs } = options;

  /** Jobs of tasks no handler offers (`servedTasks`) wait a bounded time, then fail visibly. */
  async function failUnserved(): Promise<void> {
    if (options.leader?.() === false) return;
    const now = clock.now();
    if (now.getTime() - state.startedMs < noHandlerWaitMs) return;
    const waitingSince = new Date(now.getTime() - noHandlerWaitMs);
    const served = [...(await servedTasks(executor, store))];
    const failed = await store.failUnservedJobs({ now, waitingSince, servedTasks: served });
    if (failed.length > 0) {
      const tasks = [...new Set(failed.map((job) => job.task))];
      logger.warn({ count: failed.length, tasks }, 'jobs failed: no handler offers their task');
    }
  }

  return async function acquireDue(): Promise<void> {
    if (!state.schedulesChanged && (state.nextFireMs === null || state.nextFireMs > clock.now().getTime()))
      return;
    // Cleared before the queries: a wake that comes while they run sets it again.
    state.schedulesChanged = false;
    state.nextFireMs = Number.NEGATIVE_INFINITY;
    for (;;) {
      if (state.stopped) return;
      const jobs = await store.acquireDueSchedules(clock.now(), options.batchSize, plan);
      for (const job of jobs) {
        if (job.status === 'missed')
          logger.warn({ scheduleId: job.scheduleId, error: job.error }, 'fire times missed');
      }
      if (jobs.length === 0) break;
      // A burst of due schedules (a thousand crons on the same second) is planned in batches; the
      // jobs of each batch start before the next batch is planned, not after the whole burst.
      await options.claim();
    }
    await failUnserved();
  };
}
