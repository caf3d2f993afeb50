/**
 * Per-handler circuit breaker over its recent results. Closed: work flows. Open: the failure rate
 * of the last `window` results reached `failureRate` (with at least `minSamples`), the handler is
 * `unhealthy` and gets no work. After `cooldownMs` it is half-open: exactly one trial job may go;
 * its success closes the breaker with a clean slate, its failure opens it again.
 */
export interface CircuitBreakerOptions {
  window?: number;
  minSamples?: number;
  /** 0..1; e.g. 0.5 opens at half failures. */
  failureRate?: number;
  cooldownMs?: number;
}

export type BreakerState = 'closed' | 'open' | 'half_open';

export interface CircuitBreaker {
  state(nowMs: number): BreakerState;
  /** True when a job may be sent now; in half-open only while no trial is out. */
  allows(nowMs: number): boolean;
  /** A job was sent; returns whether it is the half-open trial. */
  onDispatch(nowMs: number): boolean;
  /** Records a finished job; `trial` as returned by `onDispatch`. */
  record(success: boolean, trial: boolean, nowMs: number): void;
  /** A trial that ended without a verdict (handler lost, rejected). */
  releaseTrial(): void;
}

export function createCircuitBreaker(options: CircuitBreakerOptions = {}): CircuitBreaker {
  const window = options.window ?? 20;
  const minSamples = options.minSamples ?? 5;
  const failureRate = options.failureRate ?? 0.5;
  const cooldownMs = options.cooldownMs ?? 30_000;
  let results: boolean[] = [];
  let openedAt: number | null = null;
  let trialOut = false;

  function state(nowMs: number): BreakerState {
    if (openedAt === null) return 'closed';
    return nowMs - openedAt >= cooldownMs ? 'half_open' : 'open';
  }

  return {
    state,
    allows(nowMs) {
      const current = state(nowMs);
      return current === 'closed' || (current === 'half_open' && !trialOut);
    },
    onDispatch(nowMs) {
      if (state(nowMs) !== 'half_open') return false;
      trialOut = true;
      return true;
    },
    record(success, trial, nowMs) {
      if (trial) {
        trialOut = false;
        if (success) {
          openedAt = null;
          results = [];
        } else {
          openedAt = nowMs;
        }
        return;
      }
      // Results of jobs sent before the breaker opened say nothing new about the handler.
      if (openedAt !== null) return;
      results.push(success);
      if (results.length > window) results.shift();
      const failures = results.filter((ok) => !ok).length;
      if (results.length >= minSamples && failures / results.length >= failureRate) openedAt = nowMs;
    },
    releaseTrial() {
      trialOut = false;
    },
  };
}
