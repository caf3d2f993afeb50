import type { Job } from '@schedulezero/protocol';
import type { Clock, TimerHandle } from './clock.ts';
import { toError } from './errors.ts';
import type { ExecutionResult, Executor } from './executor.ts';
import { createHandoffRecorder } from './handoff-recorder.ts';
import type { Logger } from './logger.ts';
import { planFires, retryDelayMs } from './planner.ts';
import { servedTasks } from './served-tasks.ts';
import type { FinishJob, FiringStore } from './store/ports/firing-store.ts';
import type { HandlerStore } from './store/ports/handler-store.ts';
import type { Outcome } from './store/types.ts';

/**
 * The scheduler's heartbeat, without a fixed polling tick: a timer to the earliest of the next
 * fire time and the next retry, re-armed after every pass and whenever something changes
 * (`wake`). A pass acquires due schedules (creating their jobs), then claims pending jobs up to
 * the executor's free capacity and runs them with their timeout.
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

interface RunningJob {
  controller: AbortController;
  done: Promise<void>;
}

/** A claimed job no handler could take at once, with where it stood. */
interface Unplaced {
  job: Job;
  placement: 'busy' | 'none';
}

interface QueuedFinish {
  finish: FinishJob;
  resolve: (outcome: Outcome<Job, 'not_found' | 'stale'>) => void;
  reject: (error: unknown) => void;
}

/** Finishes written per transaction at most. */
const FINISH_BATCH = 500;

/** Claimed jobs a pass looks past at most (see `dispatchPending`); the rest wait for the next pass. */
const MAX_HELD_PER_PASS = 1000;

/** Abort reasons the loop itself uses. */
const TIMEOUT = 'timeout';
const SHUTDOWN = 'shutdown';
const CANCEL = 'cancelled';

export function createRunLoop(options: RunLoopOptions): RunLoop {
  const { store, executor, clock, logger, nodeId } = options;
  const batchSize = options.batchSize ?? 100;
  const maxSleepMs = options.maxSleepMs ?? 30_000;
  const errorBackoffMs = options.errorBackoffMs ?? 1_000;
  const noHandlerWaitMs = options.noHandlerWaitMs ?? 30_000;
  let startedMs = 0;
  const running = new Map<string, RunningJob>();
  /** Since when (ms) each job that no handler matches has waited: it fails after `noHandlerWaitMs`. */
  const unmatchedSince = new Map<string, number>();
  const plan = (schedule: Parameters<typeof planFires>[0], now: Date, active: number) =>
    planFires(schedule, now, active);
  let stopped = true;
  let timer: TimerHandle | undefined;
  let pass: Promise<void> | undefined;
  let again = false;
  /**
   * Whether schedules may have become due other than by the clock reaching `nextFireMs`: set by
   * `wake()` (an API change, a manual run) and by the timer (the safety net that also sees
   * other masters' changes). A slot freed by a finished job does not set it, so the passes that
   * follow job completions skip the acquiring transaction and the two "when next" queries.
   */
  let schedulesChanged = true;
  /** Earliest `nextRunAt` of an armed schedule as of the last check; null: none. */
  let nextFireMs: number | null = null;
  /** Earliest retry this loop scheduled since the last check (`earliestPendingAt`). */
  let nextRetryMs: number | null = null;
  let capacityWake: NodeJS.Immediate | undefined;
  const finishQueue: QueuedFinish[] = [];
  const handoffs = createHandoffRecorder(store, clock, logger);
  let flushScheduled = false;
  let flushing: Promise<void> | undefined;

  /** Something changed that may make schedules due or jobs pending: check the store. */
  function wake(): void {
    schedulesChanged = true;
    runSoon();
  }

  /**
   * A slot freed or a handler appeared: only claiming can make progress. Deferred to the next
   * turn of the event loop so that the results read in one burst free their slots before one pass
   * claims for all of them, instead of a pass (and a claim transaction) per result.
   */
  function wakeForCapacity(): void {
    if (stopped || capacityWake) return;
    capacityWake = setImmediate(() => {
      capacityWake = undefined;
      runSoon();
    });
  }

  function runSoon(): void {
    if (stopped) return;
    if (pass) {
      again = true;
      return;
    }
    pass = runPasses().finally(() => {
      pass = undefined;
      // A wake that came after the last pass checked for one would otherwise wait for the timer.
      if (again) runSoon();
    });
  }

  /** Passes until no wake came in during one (a wake while a pass runs is not lost), then sleeps. */
  async function runPasses(): Promise<void> {
    let delayMs = errorBackoffMs;
    do {
      again = false;
      if (options.owner?.() === null) {
        delayMs = errorBackoffMs;
        break;
      }
      try {
        await acquireDue();
        await dispatchPending();
        delayMs = await delayUntilNextWork();
      } catch (error) {
        logger.error({ err: toError(error) }, 'scheduler pass failed; retrying');
        delayMs = errorBackoffMs;
        break;
      }
    } while (again && !stopped);
    arm(delayMs);
  }

  async function acquireDue(): Promise<void> {
    if (!schedulesChanged && (nextFireMs === null || nextFireMs > clock.now().getTime())) return;
    // Cleared before the queries: a wake that comes while they run sets it again.
    schedulesChanged = false;
    nextFireMs = Number.NEGATIVE_INFINITY;
    for (;;) {
      if (stopped) return;
      const jobs = await store.acquireDueSchedules(clock.now(), batchSize, plan);
      for (const job of jobs) {
        if (job.status === 'missed')
          logger.warn({ scheduleId: job.scheduleId, error: job.error }, 'fire times missed');
      }
      if (jobs.length === 0) break;
      // A burst of due schedules (a thousand crons on the same second) is planned in batches; the
      // jobs of each batch start before the next batch is planned, not after the whole burst.
      await dispatchPending();
    }
    await failUnserved();
  }

  /** Jobs of tasks no handler offers (`servedTasks`) wait a bounded time, then fail visibly. */
  async function failUnserved(): Promise<void> {
    if (options.leader?.() === false) return;
    const now = clock.now();
    if (now.getTime() - startedMs < noHandlerWaitMs) return;
    const waitingSince = new Date(now.getTime() - noHandlerWaitMs);
    const served = [...(await servedTasks(executor, store))];
    const failed = await store.failUnservedJobs({ now, waitingSince, servedTasks: served });
    if (failed.length > 0) {
      const tasks = [...new Set(failed.map((job) => job.task))];
      logger.warn({ count: failed.length, tasks }, 'jobs failed: no handler offers their task');
    }
  }

  async function dispatchPending(): Promise<void> {
    const exhausted = new Set<string>();
    // A free slot for a task is not yet a handler for the job: its target may want another one.
    // Claimed jobs no handler can take now stay claimed until the pass ends, so that the next
    // claim reaches the jobs behind them (one for a free handler must not wait behind jobs for a
    // busy one); then they are handed back.
    const held: Unplaced[] = [];
    try {
      while (!stopped) {
        const group = largestFreeGroup(executor.capacity(), exhausted);
        if (!group) return;
        const owner = options.owner?.();
        if (owner === null) return;
        const jobs = await store.claimJobs({
          now: clock.now(),
          limit: group.slots,
          claimedBy: nodeId,
          tasks: group.tasks,
          owner,
        });
        for (const job of jobs) {
          const placement = executor.place?.(job) ?? 'now';
          if (placement === 'now') start(job);
          else held.push({ job, placement });
        }
        if (jobs.length < group.slots || held.length >= MAX_HELD_PER_PASS)
          for (const task of group.tasks) exhausted.add(task);
      }
    } finally {
      await handBack(held);
    }
  }

  /**
   * Claimed jobs no handler can take now go back to `pending` (a job that waits names no handler);
   * the next pass with a free slot claims them again. One that no handler matches at all fails
   * with `no_handler` once it has waited `noHandlerWaitMs` (counted from the loop's start too).
   */
  async function handBack(unplaced: readonly Unplaced[]): Promise<void> {
    if (unplaced.length === 0) return;
    const nowMs = clock.now().getTime();
    // A job seen long ago and not since was cancelled or deleted meanwhile: forget it.
    for (const [jobId, since] of unmatchedSince) {
      if (nowMs - since > 2 * noHandlerWaitMs + maxSleepMs) unmatchedSince.delete(jobId);
    }
    const release: Unplaced[] = [];
    for (const entry of unplaced) {
      if (entry.placement === 'busy') {
        unmatchedSince.delete(entry.job.id);
        release.push(entry);
        continue;
      }
      const since = Math.max(unmatchedSince.get(entry.job.id) ?? nowMs, startedMs);
      if (nowMs - since < noHandlerWaitMs) {
        unmatchedSince.set(entry.job.id, since);
        noteRetry(since + noHandlerWaitMs);
        release.push(entry);
        continue;
      }
      unmatchedSince.delete(entry.job.id);
      const error = {
        code: 'no_handler',
        message: `no handler offers task "${entry.job.task}" for its target ${JSON.stringify(entry.job.target)} (waited ${Math.round((nowMs - since) / 1000)}s)`,
      };
      // Like a job of a task nobody offers (`failUnserved`): final, no retry, run by no handler.
      const finish = { jobId: entry.job.id, attempt: entry.job.attempt, finishedAt: clock.now() };
      void finishSoon({ ...finish, outcome: { status: 'failed', error }, retryAt: null, handlerId: null })
        .then(() => logger.warn({ jobId: entry.job.id, error }, 'job failed: no handler matches it'))
        .catch((err: unknown) =>
          logger.error({ err: toError(err), jobId: entry.job.id }, 'could not record job outcome'),
        );
    }
    await store.releaseJobs(
      release.map(({ job }) => ({ jobId: job.id, attempt: job.attempt })),
      clock.now(),
    );
  }

  /**
   * Asks the store only after an acquiring pass (fire times moved, or other nodes' changes are
   * looked at); between those, the fire time it answered and the retries this loop scheduled
   * itself are still the earliest work.
   */
  async function delayUntilNextWork(): Promise<number> {
    const now = clock.now();
    if (nextFireMs === Number.NEGATIVE_INFINITY) {
      const [nextFire, nextRetry] = await Promise.all([
        store.earliestNextRunAt(),
        store.earliestPendingAt(now),
      ]);
      nextFireMs = nextFire?.getTime() ?? null;
      nextRetryMs = earliestOf(
        nextRetryMs === null || nextRetryMs <= now.getTime() ? null : nextRetryMs,
        nextRetry?.getTime() ?? null,
      );
    }
    if (nextRetryMs !== null && nextRetryMs <= now.getTime()) nextRetryMs = null;
    const earliest = Math.min(
      now.getTime() + maxSleepMs,
      nextFireMs ?? Number.POSITIVE_INFINITY,
      nextRetryMs ?? Number.POSITIVE_INFINITY,
    );
    return Math.max(0, earliest - now.getTime());
  }

  /**
   * Work this loop made for later (a retry, the end of a wait). A noted instant already past was
   * due work that a pass has taken since: kept, it would hide the new one (the earlier wins) and
   * then be cleared as past, leaving the loop asleep until its safety wake-up.
   */
  function noteRetry(atMs: number): void {
    const pending = nextRetryMs !== null && nextRetryMs > clock.now().getTime() ? nextRetryMs : null;
    nextRetryMs = earliestOf(pending, atMs);
  }

  function arm(delayMs: number): void {
    if (timer) clock.clearTimer(timer);
    timer = stopped ? undefined : clock.setTimer(wake, delayMs);
  }

  function start(job: Job): void {
    unmatchedSince.delete(job.id);
    const controller = new AbortController();
    let handedTo: string | undefined;
    const startedAt = job.startedAt ?? clock.now();
    options.onJobStarted?.(job, startedAt);
    const timeoutMs = job.timeoutSeconds * 1000 - (clock.now().getTime() - startedAt.getTime());
    const timeout = clock.setTimer(() => controller.abort(TIMEOUT), timeoutMs);
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
        wakeForCapacity();
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
      return {
        outcome: { status: 'failed', error: { code: 'handler_error', message: toError(error).message } },
        answered: true,
      };
    }
  }

  /** The outcome of an attempt the loop itself ended (timeout, cancel, shutdown); undefined otherwise. */
  function abortOutcome(job: Job, signal: AbortSignal): ExecutionResult | undefined {
    if (!signal.aborted) return undefined;
    if (signal.reason === TIMEOUT)
      return {
        status: 'timed_out',
        error: { code: 'timeout', message: `no result within ${job.timeoutSeconds}s` },
      };
    if (signal.reason === CANCEL)
      return { status: 'cancelled', error: { code: 'cancelled', message: 'cancelled on request' } };
    if (signal.reason === SHUTDOWN)
      return {
        status: 'failed',
        error: { code: 'interrupted', message: 'the node shut down during the run' },
      };
    return undefined;
  }

  /**
   * Results are recorded in batches: a finish waits for the end of the current turn of the event
   * loop, and everything queued by then is written in one transaction (`finishJobs`, fenced per
   * job as `finishJob`). A job's slot is freed only after its own finish committed, as before.
   */
  function finishSoon(finish: FinishJob): Promise<Outcome<Job, 'not_found' | 'stale'>> {
    return new Promise((resolve, reject) => {
      finishQueue.push({ finish, resolve, reject });
      scheduleFlush();
    });
  }

  function scheduleFlush(): void {
    if (flushScheduled || flushing) return;
    flushScheduled = true;
    setImmediate(() => {
      flushScheduled = false;
      flushFinishes();
    });
  }

  function flushFinishes(): void {
    const batch = finishQueue.splice(0, FINISH_BATCH);
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
        if (finishQueue.length > 0) scheduleFlush();
      });
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
    if (retryAt) noteRetry(retryAt.getTime());
    const result = await finishSoon({
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
    async start() {
      const recovered = await store.recoverRunningJobs([nodeId], clock.now());
      if (recovered.length > 0)
        logger.warn({ count: recovered.length }, 'recovered jobs interrupted by a previous stop');
      stopped = false;
      startedMs = clock.now().getTime();
      executor.onCapacity?.(wakeForCapacity);
      wake();
    },
    wake,
    async cancel(jobId) {
      const job = running.get(jobId);
      if (!job) return false;
      job.controller.abort(CANCEL);
      await job.done;
      return true;
    },
    async stop(graceMs) {
      stopped = true;
      if (timer) clock.clearTimer(timer);
      timer = undefined;
      if (capacityWake) clearImmediate(capacityWake);
      capacityWake = undefined;
      await pass;
      const all = Promise.all([...running.values()].map((job) => job.done));
      let graceTimer: TimerHandle | undefined;
      const graceOver = new Promise<void>((resolve) => {
        graceTimer = clock.setTimer(resolve, graceMs);
      });
      await Promise.race([all, graceOver]);
      if (graceTimer) clock.clearTimer(graceTimer);
      for (const job of running.values()) job.controller.abort(SHUTDOWN);
      await all;
      await handoffs.drain();
    },
    runningCount: () => running.size,
  };
}

/** Tasks that share the largest number of free slots (a shared pool claims once for all of them). */
function largestFreeGroup(
  capacity: ReadonlyMap<string, number>,
  exhausted: ReadonlySet<string>,
): { tasks: string[]; slots: number } | undefined {
  const bySlots = new Map<number, string[]>();
  for (const [task, slots] of capacity) {
    if (slots <= 0 || exhausted.has(task)) continue;
    bySlots.set(slots, [...(bySlots.get(slots) ?? []), task]);
  }
  const slots = Math.max(...bySlots.keys());
  return Number.isFinite(slots) ? { tasks: bySlots.get(slots) ?? [], slots } : undefined;
}

function earliestOf(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.min(a, b);
}
