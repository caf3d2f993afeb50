import type { Clock, TimerHandle } from '../clock.ts';

/** A clock that moves only when a test says so; due timers fire in time order on `advance` and `set`. */
export interface FakeClock extends Clock {
  advance(ms: number): void;
  set(instant: Date): void;
  pendingTimers(): number;
}

interface FakeTimer {
  id: number;
  at: number;
  callback: () => void;
}

export function createFakeClock(start: Date | string): FakeClock {
  let now = new Date(start).getTime();
  let nextId = 1;
  const timers = new Map<number, FakeTimer>();

  function runDue(): void {
    for (;;) {
      const due = [...timers.values()]
        .filter((timer) => timer.at <= now)
        .sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!due) return;
      timers.delete(due.id);
      due.callback();
    }
  }

  return {
    now: () => new Date(now),
    setTimer(callback, delayMs) {
      const id = nextId++;
      timers.set(id, { id, at: now + Math.max(0, delayMs), callback });
      // A timer already due fires soon, as a real one would, without waiting for the next advance.
      if (delayMs <= 0) setImmediate(runDue);
      return { id };
    },
    clearTimer(handle: TimerHandle) {
      timers.delete(handle.id as number);
    },
    advance(ms) {
      now += ms;
      runDue();
    },
    set(instant) {
      now = instant.getTime();
      runDue();
    },
    pendingTimers: () => timers.size,
  };
}
