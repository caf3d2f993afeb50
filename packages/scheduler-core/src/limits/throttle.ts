import type { Clock, TimerHandle } from '../clock.ts';
import type { LimitKind } from './limit-gate.ts';

/**
 * Throttling as both limit holders see it (the governor per task, the handler link per handler):
 * how often a limit held back work that there was capacity for, and a wake-up when the tokens a
 * rate limit lacks come back (time frees them, not a finished job, so nothing else would wake).
 */

export interface ThrottleCount {
  /** The task or the handler the limit belongs to. */
  subject: string;
  limit: LimitKind;
  count: number;
}

export interface ThrottleCounter {
  note(subject: string, limit: LimitKind): void;
  counts(): ThrottleCount[];
}

export function createThrottleCounter(): ThrottleCounter {
  const counts = new Map<string, number>();
  return {
    note(subject, limit) {
      const key = `${subject}\u0000${limit}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    },
    counts() {
      return [...counts].map(([key, count]) => {
        const [subject = '', limit] = key.split('\u0000');
        return { subject, limit: limit as LimitKind, count };
      });
    },
  };
}

export interface RefillAlarm {
  /** Arms a timer to the shortest positive wait unless one is armed; no positive wait, no timer. */
  arm(waitsMs: Iterable<number>): void;
  close(): void;
}

export function createRefillAlarm(clock: Clock, onRefill: () => void): RefillAlarm {
  let timer: TimerHandle | undefined;
  return {
    arm(waitsMs) {
      if (timer) return;
      let waitMs = Number.POSITIVE_INFINITY;
      for (const ms of waitsMs) if (ms > 0) waitMs = Math.min(waitMs, ms);
      if (waitMs === Number.POSITIVE_INFINITY) return;
      timer = clock.setTimer(() => {
        timer = undefined;
        onRefill();
      }, waitMs);
    },
    close() {
      if (timer) clock.clearTimer(timer);
      timer = undefined;
    },
  };
}
