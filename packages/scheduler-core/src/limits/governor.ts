import type { Job } from '@schedulezero/protocol';
import type { Clock } from '../clock.ts';
import type { ExecutionResult, Executor } from '../execution/executor.ts';
import { createLimitGate, type Limit, type LimitGate, type LimitKind } from './limit-gate.ts';
import { createRefillAlarm, createThrottleCounter } from './throttle.ts';

/**
 * Rate and concurrency limits, global and per task, laid over an executor. The run loop claims
 * only what `capacity()` allows, so jobs over a limit simply stay `pending` in the store (the
 * queue) until a slot or a token frees up; nothing is dropped. Per-handler limits are the handler
 * link's: it offers no more than they allow and picks only handlers within them.
 */
export interface GovernorConfig {
  rate?: { perSecond: number; burst?: number | undefined } | undefined;
  concurrency?: number | undefined;
  perTask?: Record<string, Limit> | undefined;
}

export interface GovernorStats {
  /** How often a limit held back work an executor could have taken, by task and kind of limit. */
  throttled: Array<{ task: string; limit: LimitKind; count: number }>;
  active: number;
}

export interface GovernedExecutor extends Executor {
  stats(): GovernorStats;
  close(): void;
}

interface Gate {
  limit: LimitGate;
  active: number;
}

function gate(limit: Limit | undefined, nowMs: number): Gate {
  return { limit: createLimitGate(limit, nowMs), active: 0 };
}

export function createGovernedExecutor(
  inner: Executor,
  config: GovernorConfig,
  clock: Clock,
): GovernedExecutor {
  const startMs = clock.now().getTime();
  const global = gate({ ...config.rate, concurrency: config.concurrency }, startMs);
  const perTask = new Map(
    Object.entries(config.perTask ?? {}).map(([task, limit]) => [task, gate(limit, startMs)]),
  );
  const throttled = createThrottleCounter();
  const listeners: Array<() => void> = [];

  const notify = () => {
    for (const listener of listeners) listener();
  };
  inner.onCapacity?.(notify);
  // When tokens are what is missing, the loop is woken as soon as the next one is there.
  const refill = createRefillAlarm(clock, notify);

  const room = (g: Gate, nowMs: number) => g.limit.room(g.active, nowMs);

  return {
    capacity() {
      const nowMs = clock.now().getTime();
      const globalRoom = room(global, nowMs);
      const result = new Map<string, number>();
      let heldBack = false;
      for (const [task, offered] of inner.capacity()) {
        const taskGate = perTask.get(task);
        const taskRoom = taskGate
          ? room(taskGate, nowMs)
          : { slots: Number.POSITIVE_INFINITY, limit: 'rate' as const };
        const tightest = taskRoom.slots < globalRoom.slots ? taskRoom : globalRoom;
        const slots = Math.max(0, Math.min(offered, tightest.slots));
        if (slots < offered) {
          heldBack = true;
          throttled.note(task, tightest.limit);
        }
        result.set(task, slots);
      }
      if (heldBack) refill.arm([global, ...perTask.values()].map((g) => g.limit.msUntilToken(nowMs)));
      return result;
    },
    ...(inner.place ? { place: (job: Job) => inner.place?.(job) ?? 'none' } : {}),
    async run(
      job: Job,
      signal: AbortSignal,
      onStarted?: (handlerId: string) => void,
    ): Promise<ExecutionResult> {
      const nowMs = clock.now().getTime();
      const gates = [global, perTask.get(job.task)].filter((g): g is Gate => g !== undefined);
      for (const g of gates) {
        g.limit.take(nowMs);
        g.active += 1;
      }
      try {
        return await inner.run(job, signal, onStarted);
      } finally {
        for (const g of gates) g.active -= 1;
        notify();
      }
    },
    onCapacity(listener) {
      listeners.push(listener);
    },
    stats() {
      return {
        throttled: throttled.counts().map(({ subject, limit, count }) => ({ task: subject, limit, count })),
        active: global.active,
      };
    },
    close() {
      refill.close();
    },
  };
}
