import type { Clock } from '../clock.ts';
import type { FiringStore } from '../store/ports/firing-store.ts';
import type { LoopState } from './loop-state.ts';

/**
 * Work this loop made for later (a retry, the end of a wait). A noted instant already past was
 * due work that a pass has taken since: kept, it would hide the new one (the earlier wins) and
 * then be cleared as past, leaving the loop asleep until its safety wake-up.
 */
export function noteWorkAt(state: LoopState, nowMs: number, atMs: number): void {
  const pending = state.nextRetryMs !== null && state.nextRetryMs > nowMs ? state.nextRetryMs : null;
  state.nextRetryMs = earliestOf(pending, atMs);
}

/**
 * How long the loop may sleep. Asks the store only after an acquiring pass (fire times moved, or
 * other nodes' changes are looked at); between those, the fire time it answered and the retries
 * this loop scheduled itself are still the earliest work.
 */
export async function delayUntilNextWork(
  state: LoopState,
  store: Pick<FiringStore, 'earliestNextRunAt' | 'earliestPendingAt'>,
  clock: Clock,
  maxSleepMs: number,
): Promise<number> {
  const now = clock.now();
  if (state.nextFireMs === Number.NEGATIVE_INFINITY) {
    const [nextFire, nextRetry] = await Promise.all([
      store.earliestNextRunAt(),
      store.earliestPendingAt(now),
    ]);
    state.nextFireMs = nextFire?.getTime() ?? null;
    state.nextRetryMs = earliestOf(
      state.nextRetryMs === null || state.nextRetryMs <= now.getTime() ? null : state.nextRetryMs,
      nextRetry?.getTime() ?? null,
    );
  }
  if (state.nextRetryMs !== null && state.nextRetryMs <= now.getTime()) state.nextRetryMs = null;
  const earliest = Math.min(
    now.getTime() + maxSleepMs,
    state.nextFireMs ?? Number.POSITIVE_INFINITY,
    state.nextRetryMs ?? Number.POSITIVE_INFINITY,
  );
  return Math.max(0, earliest - now.getTime());
}

function earliestOf(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.min(a, b);
}
