/** A token bucket: `perSecond` tokens a second, holding at most `burst`. Time comes from the caller. */
export interface TokenBucket {
  available(nowMs: number): number;
  take(nowMs: number, count?: number): void;
  /** Milliseconds until one more token, 0 when one is there. */
  msUntilNext(nowMs: number): number;
}

export function createTokenBucket(perSecond: number, burst: number, startMs: number): TokenBucket {
  let tokens = burst;
  let lastMs = startMs;
  const refill = (nowMs: number) => {
    tokens = Math.min(burst, tokens + ((nowMs - lastMs) * perSecond) / 1000);
    lastMs = Math.max(lastMs, nowMs);
  };
  return {
    available(nowMs) {
      refill(nowMs);
      return Math.floor(tokens);
    },
    take(nowMs, count = 1) {
      refill(nowMs);
      tokens -= count;
    },
    msUntilNext(nowMs) {
      refill(nowMs);
      return tokens >= 1 ? 0 : Math.ceil(((1 - tokens) * 1000) / perSecond);
    },
  };
}
