import type { Job } from '@schedulezero/protocol';
import type { Clock } from './clock.ts';
import type { Executor } from './execution/executor.ts';
import type { Logger } from './logger.ts';
import { createAcquireStep } from './run-loop/acquire-step.ts';
import { createAttemptRunner } from './run-loop/attempt-runner.ts';
import { createClaimStep } from './run-loop/claim-step.ts';
import { createFinishBatcher } from './run-loop/finish-batcher.ts';
import { createHandBack } from './run-loop/hand-back.ts';
import { createHandoffRecorder } from './run-loop/handoff-recorder.ts';
import { createLoopState } from './run-loop/loop-state.ts';
import { delayUntilNextWork } from './run-loop/next-work.ts';
import { createPassTimer } from './run-loop/pass-timer.ts';
import type { FiringStore } from './store/ports/firing-store.ts';
import type { HandlerStore } from './store/ports/handler-store.ts';

/**
 * The scheduler's heartbeat, without a fixed polling tick: a timer to the earliest of the next
 * fire time and the next retry, re-armed after every pass and whenever something changes
 * (`wake`). A pass acquires due schedules (creating their jobs), then claims pending jobs up to
 * the executor's free capacity and runs them with their timeout. The parts live in `run-loop/`
 * and share only the `LoopState` handed to each.
 */
export interface RunLoopOptions {
  store: FiringStore & Pick<HandlerStore, 'listHandlers'>;
  executor: Executor;
  clock: Clock;
  logger: Logger;
  /** Recorded as the claimer of the attempts this loop claims; its restart recovers them. */
  nodeId: string;
  /** Schedules acquired per transaction. */
  batchSize?: number;
  /** Upper bound of one sleep, so changes made by other nodes on a shared database are seen. */
  maxSleepMs?: number;
  /** Back-off after a failed pass (database unreachable). */
  errorBackoffMs?: number;
  /** Called when a job starts: lateness statistics. */
  onJobStarted?: (job: Job, startedAt: Date) => void;
  /**
   * A pending job whose task no executor offers fails with `no_handler` after waiting this long
   * (counted from the loop's start too, so workers have time to register after a restart).
   */
  noHandlerWaitMs?: number;
  /**
   * In a cluster, the instance this loop fires and claims as; null while it may not (fenced,
   * or not sure it is still alive): the loop then does nothing and looks again after
   * `errorBackoffMs`. Without it the loop always acts.
   */
  owner?: () => string | null;
  /**
   * In a cluster, whether this loop runs the duties done once per cluster (the `no_handler`
   * sweep): true on the leader only. Without it the loop always runs them.
   */
  leader?: () => boolean;
}

export interface RunLoop {
  start(): Promise<void>;
  /** Makes the loop run a pass soon (a schedule changed, capacity freed). */
  wake(): void;
  /**
   * Cancels an attempt this loop runs: its signal aborts, and it is recorded `cancelled` without
   * a retry. Resolves when that is recorded; false when the loop does not run the job.
   */
  cancel(jobId: string): Promise<boolean>;
  stop(graceMs: number): Promise<void>;
  runningCount(): number;
}

/** Puts the run loop together: the pass timer drives passes of the acquire and claim steps. */
export function createRunLoop(options: RunLoopOptions): RunLoop {
  const { store, executor, clock, logger, nodeId } = options;
  const maxSleepMs = options.maxSleepMs ?? 30_000;
  const noHandlerWaitMs = options.noHandlerWaitMs ?? 30_000;
  const state = createLoopState();
  const finishes = createFinishBatcher(store);
  const handoffs = createHandoffRecorder(store, clock, logger);
  const timer = createPassTimer({
    state,
    clock,
    logger,
    pass: async () => {
      await acquire();
      await claim();
      return delayUntilNextWork(state, store, clock, maxSleepMs);
    },
    errorBackoffMs: options.errorBackoffMs ?? 1_000,
    owner: options.owner,
  });
  const attempts = createAttemptRunner({
    state,
    executor,
    clock,
    logger,
    nodeId,
    handoffs,
    finishes,
    onFreed: timer.wakeForCapacity,
    onJobStarted: options.onJobStarted,
  });
  const handBack = createHandBack({ state, store, clock, logger, finishes, noHandlerWaitMs, maxSleepMs });
  const claim = createClaimStep({
    state,
    store,
    executor,
    clock,
    nodeId,
    handBack,
    start: attempts.start,
    owner: options.owner,
  });
  const acquire = createAcquireStep({
    state,
    store,
    executor,
    clock,
    logger,
    batchSize: options.batchSize ?? 100,
    noHandlerWaitMs,
    claim,
    leader: options.leader,
  });

  return {
    async start() {
      const recovered = await store.recoverRunningJobs([nodeId], clock.now());
      if (recovered.length > 0)
        logger.warn({ count: recovered.length }, 'recovered jobs interrupted by a previous stop');
      state.stopped = false;
      state.startedMs = clock.now().getTime();
      executor.onCapacity?.(timer.wakeForCapacity);
      timer.wake();
    },
    wake: timer.wake,
    cancel: attempts.cancel,
    async stop(graceMs) {
      state.stopped = true;
      await timer.stop();
      await attempts.stop(graceMs);
      await handoffs.drain();
    },
    runningCount: attempts.runningCount,
  };
}
