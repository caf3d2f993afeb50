import { createTokenBucket, type TokenBucket } from '@schedulezero/scheduler-core';
import type { MetricFamily } from '../prometheus.ts';

/** The `api.authThrottle` settings (docs/security.md). */
export interface AuthThrottleOptions {
  /** Failed attempts an address may make at once (the bucket's size). */
  maxFailures: number;
  /** Time for an empty bucket to fill again: one more attempt every windowSeconds / maxFailures. */
  windowSeconds: number;
  /** Addresses remembered at most; past that the least recently failing one is forgotten. */
  maxClients: number;
}

export type AuthFailure = 'wrong_token' | 'no_token';

export interface AuthThrottle {
  /** Milliseconds the address must wait before it may try again; 0 when it may. Counts a refusal. */
  refuse(address: string): number;
  /**
   * Records a refused request. Only a wrong token takes from the address's bucket: a request with
   * no token guesses nothing (a forgotten header should not lock out everyone behind one NAT).
   */
  failed(address: string, reason: AuthFailure): void;
  /** `schedulezero_http_auth_failures_total` and `schedulezero_http_auth_throttled_total`. */
  families(): MetricFamily[];
}

/**
 * Slows a token-guessing client: each address has a token bucket of failed attempts; while it is
 * empty every authenticated request from that address is answered 429 before its token is even
 * looked at, so a right guess then cannot be told from a wrong one. Successes cost nothing.
 */
export function createAuthThrottle(options: AuthThrottleOptions, now: () => number = Date.now): AuthThrottle {
  const perSecond = options.maxFailures / options.windowSeconds;
  // Map order is recency order: a failing address is moved to the end, the first is the oldest.
  const buckets = new Map<string, TokenBucket>();
  const failures: Record<AuthFailure, number> = { wrong_token: 0, no_token: 0 };
  let throttled = 0;
  return {
    refuse(address) {
      const bucket = buckets.get(address);
      if (!bucket) return 0;
      const wait = bucket.msUntilNext(now());
      if (wait > 0) throttled += 1;
      else if (bucket.available(now()) >= options.maxFailures) buckets.delete(address);
      return wait;
    },
    failed(address, reason) {
      failures[reason] += 1;
      if (reason !== 'wrong_token') return;
      const bucket = buckets.get(address) ?? createTokenBucket(perSecond, options.maxFailures, now());
      buckets.delete(address);
      bucket.take(now());
      buckets.set(address, bucket);
      for (const oldest of buckets.keys()) {
        if (buckets.size <= options.maxClients) break;
        buckets.delete(oldest);
      }
    },
    families: () => [
      {
        name: 'schedulezero_http_auth_failures_total',
        type: 'counter',
        help: 'Requests refused for a missing or wrong bearer token or dashboard login token, by reason.',
        samples: [
          [{ reason: 'wrong_token' }, failures.wrong_token],
          [{ reason: 'no_token' }, failures.no_token],
        ],
      },
      {
        name: 'schedulezero_http_auth_throttled_total',
        type: 'counter',
        help: 'Requests answered 429 because their address failed authentication too often.',
        samples: [[{}, throttled]],
      },
    ],
  };
}
