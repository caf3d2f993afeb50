import { createTokenBucket, type TokenBucket } from './token-bucket.ts';

/** A rate and concurrency limit, as configured (global, per task, per handler). */
export interface Limit {
  perSecond?: number | undefined;
  /** Tokens that may be spent at once; default: one second's worth. */
  burst?: number | undefined;
  concurrency?: number | undefined;
}

export type LimitKind = 'rate' | 'concurrency';

/**
 * One limit's state: its token bucket and its concurrency bound. The caller counts what runs
 * under it (the governor its own starts, the dispatcher a handler's attempts in flight), so the
 * gate holds no count that could drift from the truth.
 */
export interface LimitGate {
  readonly concurrency: number | undefined;
  /** Jobs the limit lets start now with `active` running, and which of its limits is the tighter. */
  room(active: number, nowMs: number): { slots: number; limit: LimitKind };
  /** A job starts under the limit: it spends a token. */
  take(nowMs: number): void;
  /** Milliseconds until the next token when tokens are what is missing; 0 otherwise. */
  msUntilToken(nowMs: number): number;
}

export function createLimitGate(limit: Limit | undefined, nowMs: number): LimitGate {
  const bucket: TokenBucket | undefined =
    limit?.perSecond !== undefined
      ? createTokenBucket(limit.perSecond, limit.burst ?? Math.max(1, limit.perSecond), nowMs)
      : undefined;
  const concurrency = limit?.concurrency;
  return {
    concurrency,
    room(active, now) {
      const byConcurrency = concurrency === undefined ? Number.POSITIVE_INFINITY : concurrency - active;
      const byRate = bucket === undefined ? Number.POSITIVE_INFINITY : bucket.available(now);
      return byRate < byConcurrency
        ? { slots: byRate, limit: 'rate' }
        : { slots: byConcurrency, limit: 'concurrency' };
    },
    take(now) {
      bucket?.take(now);
    },
    msUntilToken(now) {
      return bucket?.msUntilNext(now) ?? 0;
    },
  };
}
