import type { Job } from '@schedulezero/protocol';
import type { Clock, TimerHandle } from '../clock.ts';
import { toError } from '../errors.ts';
import { ABORT_REASON, type ExecutionResult, type Executor } from '../execution/executor.ts';
import {
  cancelledOnRequestError,
  handlerError,
  shutdownError,
  timeoutError,
} from '../execution/job-errors.ts';
import type { Logger } from '../logger.ts';
import { retryDelayMs } from '../planner.ts';
import type { FinishBatcher } from './finish-batcher.ts';
import type { HandoffRecorder } from './handoff-recorder.ts';
import type { LoopState } from './loop-state.ts';
import { noteWorkAt } from './next-work.ts';

export interface AttemptRunnerOptions {
  state: LoopState;
  executor: Executor;
  clock: Clock;
  logger: Logger;
  /** Named as the handler of an attempt the executor ran in this process. */
  nodeId: string;
  handoffs: HandoffRecorder;
  finishes: FinishBatcher;
  /** An attempt ended: its slot is free. */
  onFreed: () => void;
  onJobStarted?: ((job: Job, startedAt: Date) => void) | undefined;
}

interface RunningAttempt {
  controller: AbortController;
  done: Promise<void>;
}

export interface AttemptRunner {
  /** Runs a claimed attempt with its timeout and records its outcome. */
  start(job: Job): void;
  /** Aborts an attempt as cancelled; resolves when that is recorded, false when it does not run here. */
  cancel(jobId: string): Promise<boolean>;
  /** Waits up to `graceMs` for the running attempts, then aborts the rest as interrupted. */
  stop(graceMs: number): Promise<void>;
  runningCount(): number;
}

/** Runs the attempts the loop claimed: each with its timeout, its outcome recorded, a retry planned. */
export function createAttemptRunner(options: AttemptRunnerOptions): AttemptRunner {
  const { state, executor, clock, logger, nodeId, handoffs } = options;
  const running = new Map<string, RunningAttempt>();

  function start(job: Job): void {
    const controller = new AbortController();
    let handedTo: string | undefined;
    const startedAt = job.startedAt ?? clock.now();
    options.onJobStarted?.(job, startedAt);
    const timeoutMs = job.timeoutSeconds * 1000 - (clock.now().getTime() - startedAt.getTime());
    const timeout = clock.setTimer(() => controller.abort(ABORT_REASON.timeout), timeoutMs);
    const done = execute(job, controller.signal, (handlerId) => {
      handedTo = handlerId;
      handoffs.record({ jobId: job.id, attempt: job.attempt, handlerId });
    })
      // An executor that answered without naming a handler ran the job in this process.
      .then(({ outcome, answered }) =>
        record(job, outcome, outcome.handlerId ?? handedTo ?? (answered ? nodeId : undefined)),
      )
      .catch((error: unknown) =>
        logger.error({ err: toError(error), jobId: job.id }, 'could not record job outcome'),
      )
      .finally(() => {
        clock.clearTimer(timeout);
        running.delete(job.id);
        options.onFreed();
      });
    running.set(job.id, { controller, done });
  }

  /**
   * Runs one attempt; the job's own signal ends the wait even if the executor ignores it.
   * `answered`: the outcome is the executor's, not the loop's own (timeout, cancel, shutdown).
   */
  async function execute(
    job: Job,
    signal: AbortSignal,
    onStarted: (handlerId: string) => void,
  ): Promise<{ outcome: ExecutionResult; answered: boolean }> {
    const aborted = new Promise<never>((_, reject) => {
      signal.addEventListener('abort', () => reject(signal.reason), { once: true });
    });
    try {
      return { outcome: await Promise.race([executor.run(job, signal, onStarted), aborted]), answered: true };
    } catch (error) {
      const outcome = abortOutcome(job, signal);
      if (outcome) return { outcome, answered: false };
      return { outcome: { status: 'failed', error: handlerError(toError(error).message) }, answered: true };
    }
  }

  /** `handlerId`: who ran the attempt; undefined keeps the one recorded at hand-off (none if nobody took it). */
  async function record(
    job: Job,
    outcome: ExecutionResult,
    handlerId: string | null | undefined,
  ): Promise<void> {
    const finishedAt = clock.now();
    const retryable = outcome.status === 'failed' || outcome.status === 'timed_out';
    const retryAt =
      retryable && job.attempt < job.maxAttempts ? new Date(finishedAt.getTime() + retryDelayMs(job)) : null;
    if (retryAt) noteWorkAt(state, clock.now().getTime(), retryAt.getTime());
    const result = await options.finishes.finish({
      jobId: job.id,
      attempt: job.attempt,
      finishedAt,
      outcome,
      retryAt,
      handlerId,
    });
    if (!result.ok) logger.warn({ jobId: job.id, reason: result.reason }, 'job outcome not recorded');
    else if (outcome.status !== 'succeeded') {
      logger.warn(
        { jobId: job.id, task: job.task, attempt: job.attempt, error: outcome.error, retryAt },
        'job attempt failed',
      );
    }
  }

  return {
    start,
    async cancel(jobId) {
      const job = running.get(jobId);
      if (!job) return false;
      job.controller.abort(ABORT_REASON.cancelled);
      await job.done;
      return true;
    },
    async stop(graceMs) {
      const all = Promise.all([...running.values()].map((job) => job.done));
      let graceTimer: TimerHandle | undefined;
      const graceOver = new Promise<void>((resolve) => {
        graceTimer = clock.setTimer(resolve, graceMs);
      });
      await Promise.race([all, graceOver]);
      if (graceTimer) clock.clearTimer(graceTimer);
      for (const job of running.values()) job.controller.abort(ABORT_REASON.shutdown);
      await all;
    },
    runningCount: () => running.size,
  };
}

/** The outcome of an attempt the loop itself ended (timeout, cancel, shutdown); undefined otherwise. */
function abortOutcome(job: Job, signal: AbortSignal): ExecutionResult | undefined {
  if (!signal.aborted) return undefined;
  if (signal.reason === ABORT_REASON.timeout)
    return { status: 'timed_out', error: timeoutError(job.timeoutSeconds) };
  if (signal.reason === ABORT_REASON.cancelled)
    return { status: 'cancelled', error: cancelledOnRequestError() };
  if (signal.reason === ABORT_REASON.shutdown) return { status: 'failed', error: shutdownError() };
  return undefined;
}
