/**
 * What the parts of the run loop share, in one object handed to each of them: whether the loop
 * runs, and what it knows about when work is next due. Everything else is owned by one part
 * (running attempts by the attempt runner, waiting jobs by the hand-back, timers by the pass timer).
 */
export interface LoopState {
  /** True before `start()` and from `stop()` on: no pass runs and no timer is armed. */
  stopped: boolean;
  /** When the loop started (ms): the `no_handler` waits count from here at the earliest. */
  startedMs: number;
  /**
   * Whether schedules may have become due other than by the clock reaching `nextFireMs`: set by
   * `wake()` (an API change, a manual run) and by the timer (the safety net that also sees
   * other masters' changes). A slot freed by a finished job does not set it, so the passes that
   * follow job completions skip the acquiring transaction and the two "when next" queries.
   */
  schedulesChanged: boolean;
  /** Earliest `nextRunAt` of an armed schedule as of the last check; null: none; -Infinity: ask the store. */
  nextFireMs: number | null;
  /** Earliest retry this loop scheduled since the last check (`earliestPendingAt`). */
  nextRetryMs: number | null;
}

export function createLoopState(): LoopState {
  return { stopped: true, startedMs: 0, schedulesChanged: true, nextFireMs: null, nextRetryMs: null };
}
