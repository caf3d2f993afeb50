/** Time as the scheduler sees it; tests drive it with a fake clock. */
export interface Clock {
  now(): Date;
  setTimer(callback: () => void, delayMs: number): TimerHandle;
  clearTimer(handle: TimerHandle): void;
}

export type TimerHandle = { readonly id: unknown };

/** Node's timers can wait at most 2^31-1 ms; longer waits are re-armed. */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

export const systemClock: Clock = {
  now: () => new Date(),
  setTimer: (callback, delayMs) => ({
    id: setTimeout(callback, Math.min(Math.max(0, delayMs), MAX_TIMER_DELAY_MS)),
  }),
  clearTimer: (handle) => clearTimeout(handle.id as NodeJS.Timeout),
};
