import type { Clock, TimerHandle } from '../clock.ts';
import { toError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { LoopState } from './loop-state.ts';

export interface PassTimerOptions {
  state: LoopState;
  clock: Clock;
  logger: Logger;
  /** One pass; resolves with how long the loop may sleep after it. */
  pass: () => Promise<number>;
  /** Back-off after a failed pass (database unreachable) and while `owner()` is null. */
  errorBackoffMs: number;
  /** In a cluster, the instance the loop acts as; null: it may not act now (see the run loop). */
  owner?: (() => string | null) | undefined;
}

export interface PassTimer {
  /** Something changed that may make schedules due or jobs pending: check the store. */
  wake(): void;
  /** A slot freed or a handler appeared: only claiming can make progress. */
  wakeForCapacity(): void;
  /** Clears the timers and waits for the pass in progress; `state.stopped` must be set first. */
  stop(): Promise<void>;
}

/**
 * When the loop runs a pass, without a fixed polling tick: a timer to the next due work, re-armed
 * after every pass, and a pass soon whenever something changes. One pass runs at a time; a wake
 * during one makes another follow it.
 */
export function createPassTimer(options: PassTimerOptions): PassTimer {
  const { state, clock, logger, errorBackoffMs } = options;
  let timer: TimerHandle | undefined;
  let pass: Promise<void> | undefined;
  let again = false;
  let capacityWake: NodeJS.Immediate | undefined;

  function wake(): void {
    state.schedulesChanged = true;
    runSoon();
  }

  function runSoon(): void {
    if (state.stopped) return;
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
        delayMs = await options.pass();
      } catch (error) {
        logger.error({ err: toError(error) }, 'scheduler pass failed; retrying');
        delayMs = errorBackoffMs;
        break;
      }
    } while (again && !state.stopped);
    arm(delayMs);
  }

  function arm(delayMs: number): void {
    if (timer) clock.clearTimer(timer);
    timer = state.stopped ? undefined : clock.setTimer(wake, delayMs);
  }

  return {
    wake,
    /**
     * Deferred to the next turn of the event loop so that the results read in one burst free
     * their slots before one pass claims for all of them, instead of a pass (and a claim
     * transaction) per result.
     */
    wakeForCapacity() {
      if (state.stopped || capacityWake) return;
      capacityWake = setImmediate(() => {
        capacityWake = undefined;
        runSoon();
      });
    },
    async stop() {
      if (timer) clock.clearTimer(timer);
      timer = undefined;
      if (capacityWake) clearImmediate(capacityWake);
      capacityWake = undefined;
      await pass;
    },
  };
}
