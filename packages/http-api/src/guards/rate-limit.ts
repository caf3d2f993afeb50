import { createTokenBucket, type TokenBucket } from '@schedulezero/scheduler-core';
import type { MiddlewareHandler } from 'hono';
import { errorResponse, tooManyRequests } from '../errors.ts';
import type { MetricFamily } from '../prometheus.ts';
import { clientAddress } from './client-address.ts';

/** The `api.rateLimit` settings (docs/configuration.md). */
export interface RateLimitOptions {
  /** Requests an address may make a second, sustained; 0 turns the limit off. */
  perSecond: number;
  /** Requests an address may make at once (the bucket's size). */
  burst: number;
  /** Addresses remembered at most; past that the least recently seen one is forgotten. */
  maxClients: number;
}

export interface FairUse {
  /** 429 with Retry-After for an address past its rate. */
  rateLimit: MiddlewareHandler;
  /** 503 with Retry-After beyond `maxInFlight` requests being answered at once. */
  inFlightCap: MiddlewareHandler;
  /** `schedulezero_http_rate_limited_total`, `schedulezero_http_overloaded_total`, `schedulezero_http_in_flight`. */
  families(): MetricFamily[];
}

/** An overloaded node has no known end: one second is a polite first back-off. */
const OVERLOADED_RETRY_AFTER_SECONDS = 1;

/**
 * Fair use of a public (read-only) node: every client address has a token bucket of requests,
 * so one client cannot take the node's whole capacity; and a cap on requests answered at once
 * bounds the memory and event-loop time HTTP can take, whoever sends them, so that replication
 * apply, which shares the event loop, keeps its share.
 */
export function createFairUse(
  options: { rateLimit: RateLimitOptions; maxInFlight: number },
  now: () => number = Date.now,
): FairUse {
  const { perSecond, burst, maxClients } = options.rateLimit;
  // Map order is recency order: a request moves its address to the end, the first is the oldest.
  const buckets = new Map<string, TokenBucket>();
  let limited = 0;
  let overloaded = 0;
  let inFlight = 0;

  const rateLimit: MiddlewareHandler = async (c, next) => {
    if (perSecond <= 0) return next();
    const address = clientAddress(c);
    const at = now();
    const bucket = buckets.get(address) ?? createTokenBucket(perSecond, burst, at);
    buckets.delete(address);
    buckets.set(address, bucket);
    for (const oldest of buckets.keys()) {
      if (buckets.size <= maxClients) break;
      buckets.delete(oldest);
    }
    const waitMs = bucket.msUntilNext(at);
    if (waitMs > 0) {
      limited += 1;
      return tooManyRequests(c, waitMs, 'Too many requests from this address');
    }
    bucket.take(at);
    await next();
  };

  const inFlightCap: MiddlewareHandler = async (c, next) => {
    if (options.maxInFlight > 0 && inFlight >= options.maxInFlight) {
      overloaded += 1;
      c.header('Retry-After', String(OVERLOADED_RETRY_AFTER_SECONDS));
      return errorResponse(c, 503, 'overloaded', 'The node is answering too many requests: retry shortly');
    }
    inFlight += 1;
    try {
      await next();
    } finally {
      inFlight -= 1;
    }
  };

  return {
    rateLimit,
    inFlightCap,
    families: () => [
      {
        name: 'schedulezero_http_rate_limited_total',
        type: 'counter',
        help: 'Requests answered 429 because their address exceeded api.rateLimit.',
        samples: [[{}, limited]],
      },
      {
        name: 'schedulezero_http_overloaded_total',
        type: 'counter',
        help: 'Requests answered 503 because api.maxInFlight requests were being answered.',
        samples: [[{}, overloaded]],
      },
      {
        name: 'schedulezero_http_in_flight',
        type: 'gauge',
        help: 'Requests being answered.',
        samples: [[{}, inFlight]],
      },
    ],
  };
}
