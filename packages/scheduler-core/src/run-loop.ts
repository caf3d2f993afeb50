import type { Job } from '@schedulezero/protocol';
import type { Clock, TimerHandle } from './clock.ts';
import { toError } from './errors.ts';
import type { ExecutionResult, Executor } from './executor.ts';
import type { Logger } from './logger.ts';
import { planFires, retryDelayMs } from './planner.ts';
import type { Store } from './store/types.ts';

/**
 * The scheduler's heartbeat, without a fixed polling tick: a timer to the earliest of the next
 * fire time and the next retry, re-armed after every pass and whenever something changes
 * (`wake`). A pass acquires due schedules (creating their jobs), then claims pending jobs up to
 * the executor's free capacity and runs them with their timeout.
 */
export interface RunLoopOptions {
  store: Store;
  executor: Executor;
  clock: Clock;
  logger: Logger;
  /** Recorded on the jobs this loop claims; used to recover them after a crash. */
  nodeId: string;
  /** Schedules acquired per transaction. */
  batchSize?: number;
  /** Upper bound of one sleep, so changes made by other nodes on a shared database are seen. */
  maxSleepMs?: number;
  /** Back-off after a failed pass (database unreachable). */
  errorBackoffMs?: number;
  /** Called when a job starts: lateness statistics. */
  onJobStarted?: (job: Job, startedAt: Date) => void;
}

export interface RunLoop {
  start(): Promise<void>;
  /** Makes the loop run a pass soon (a schedule changed, capacity freed). */
  wake(): void;
  stop(graceMs: number): Promise<void>;
  runningCount(): number;
}

interface RunningJob {
  controller: AbortController;
  done: Promise<void>;
}

/** Abort reasons the loop itself uses. */
const TIMEOUT = 'timeout';
const SHUTDOWN = 'shutdown';

export function createRunLoop(options: RunLoopOptions): RunLoop {
  const { store, executor, clock, logger, nodeId } = options;
  const batchSize = options.batchSize ?? 500;
  const maxSleepMs = options.maxSleepMs ?? 30_000;
  const errorBackoffMs = options.errorBackoffMs ?? 1_000;
  const running = new Map<string, RunningJob>();
  const plan = (schedule: Parameters<typeof planFires>[0], now: Date, active: number) =>
    planFires(schedule, now, active);
  let stopped = true;
  let timer: TimerHandle | undefined;
  let pass: Promise<void> | undefined;
  let again = false;

  function wake(): void {
    if (stopped) return;
    if (pass) {
      again = true;
      return;
    }
    pass = runPasses().finally(() => {
      pass = undefined;
      // A wake that came after the last pass checked for one would otherwise wait for the timer.
      if (again) wake();
    });
  }

  /** Passes until no wake came in during one (a wake while a pass runs is not lost), then sleeps. */
  async function runPasses(): Promise<void> {
    let delayMs = errorBackoffMs;
    do {
      again = false;
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
    for (;;) {
      if (stopped) return;
      const jobs = await store.acquireDueSchedules(clock.now(), batchSize, plan);
      for (const job of jobs) {
        if (job.status === 'missed')
          logger.warn({ scheduleId: job.scheduleId, error: job.error }, 'fire times missed');
      }
      if (jobs.length === 0) return;
    }
  }

  async function dispatchPending(): Promise<void> {
    const exhausted = new Set<string>();
    while (!stopped) {
      const group = largestFreeGroup(executor.capacity(), exhausted);
      if (!group) return;
      const jobs = await store.claimJobs({
        now: clock.now(),
        limit: group.slots,
        handlerId: nodeId,
        tasks: group.tasks,
      });
      if (jobs.length < group.slots) for (const task of group.tasks) exhausted.add(task);
      for (const job of jobs) start(job);
    }
  }

  async function delayUntilNextWork(): Promise<number> {
    const now = clock.now();
    const [nextFire, nextRetry] = await Promise.all([
      store.earliestNextRunAt(),
      store.earliestPendingAt(now),
    ]);
    const candidates = [nextFire, nextRetry].filter((date): date is Date => date !== null);
    const earliest = Math.min(now.getTime() + maxSleepMs, ...candidates.map((date) => date.getTime()));
    return Math.max(0, earliest - now.getTime());
  }

  function arm(delayMs: number): void {
    if (timer) clock.clearTimer(timer);
    timer = stopped ? undefined : clock.setTimer(wake, delayMs);
  }

  function start(job: Job): void {
    const controller = new AbortController();
    const startedAt = job.startedAt ?? clock.now();
    options.onJobStarted?.(job, startedAt);
    const timeoutMs = job.timeoutSeconds * 1000 - (clock.now().getTime() - startedAt.getTime());
    const timeout = clock.setTimer(() => controller.abort(TIMEOUT), timeoutMs);
    const done = execute(job, controller.signal)
      .then((outcome) => record(job, outcome))
      .catch((error: unknown) =>
        logger.error({ err: toError(error), jobId: job.id }, 'could not record job outcome'),
      )
      .finally(() => {
        clock.clearTimer(timeout);
        running.delete(job.id);
        wake();
      });
    running.set(job.id, { controller, done });
  }

  /** Runs one attempt; the job's own signal ends the wait even if the executor ignores it. */
  async function execute(job: Job, signal: AbortSignal): Promise<ExecutionResult> {
    const aborted = new Promise<never>((_, reject) => {
      signal.addEventListener('abort', () => reject(signal.reason), { once: true });
    });
    try {
      return await Promise.race([executor.run(job, signal), aborted]);
    } catch (error) {
      if (signal.aborted && signal.reason === TIMEOUT) {
        return {
          status: 'timed_out',
          error: { code: 'timeout', message: `no result within ${job.timeoutSeconds}s` },
        };
      }
      if (signal.aborted && signal.reason === SHUTDOWN) {
        return {
          status: 'failed',
          error: { code: 'interrupted', message: 'the node shut down during the run' },
        };
      }
      return { status: 'failed', error: { code: 'handler_error', message: toError(error).message } };
    }
  }

  async function record(job: Job, outcome: ExecutionResult): Promise<void> {
    const finishedAt = clock.now();
    const retryable = outcome.status === 'failed' || outcome.status === 'timed_out';
    const retryAt =
      retryable && job.attempt < job.maxAttempts ? new Date(finishedAt.getTime() + retryDelayMs(job)) : null;
    const result = await store.finishJob({
      jobId: job.id,
      attempt: job.attempt,
      finishedAt,
      outcome,
      retryAt,
      handlerId: outcome.handlerId,
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
      executor.onCapacity?.(wake);
      wake();
    },
    wake,
    async stop(graceMs) {
      stopped = true;
      if (timer) clock.clearTimer(timer);
      timer = undefined;
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
