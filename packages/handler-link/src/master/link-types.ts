import type { HandlerRecord, HandlerStatus } from '@schedulezero/protocol';
import type { Clock, Executor, HandlerStore, Limit, Logger } from '@schedulezero/scheduler-core';
import type { Router } from 'zeromq';
import type { CircuitBreakerOptions } from './circuit-breaker.ts';
import type { HandlerThrottled } from './dispatch-counters.ts';
import type { DispatcherStats } from './dispatcher.ts';

export interface HandlerLinkOptions {
  /** ZeroMQ endpoint of the ROUTER, e.g. `tcp://127.0.0.1:5555`; port `*` picks a free one (see `endpoint()`). */
  bind: string;
  store: HandlerStore;
  clock?: Clock;
  logger?: Logger;
  /** Told to workers at registration; they heartbeat at this pace. Default 5000. */
  heartbeatIntervalMs?: number;
  /** Heartbeats a handler may miss before it is offline. Default 3. */
  missedHeartbeats?: number;
  /** A job no handler could take waits this long before failing with `no_handler`. Default 30000. */
  noHandlerWaitMs?: number;
  /** Largest body frame accepted and sent. Default 1 MiB. */
  maxBodyBytes?: number;
  breaker?: CircuitBreakerOptions;
  /** Handler counters are written at most this often. Default: the heartbeat interval. */
  persistIntervalMs?: number;
  /**
   * Rate and concurrency limits per handler, on top of its capacity: `handler` for every handler,
   * `perHandler[id]` over it key by key. A handler at its limit is passed over; when none has
   * room the link offers no slot, so jobs stay pending in the store (bounded by the queue limit).
   */
  limits?: HandlerLimits;
  /** Applied to the ROUTER before it binds: CURVE server keys, ZAP domain. */
  configureSocket?: (socket: Router) => void | Promise<void>;
}

export interface HandlerLimits {
  handler?: Limit | undefined;
  perHandler?: Record<string, Limit> | undefined;
}

export interface HandlerLinkStats {
  handlers: Record<HandlerStatus, number>;
  frames: {
    received: number;
    /** Frames dropped, by reason: the codec's (`truncated`, `malformed`, `oversized`, `unknown_version`, `unknown_type`, `invalid`) and the registry's (`identity_mismatch`, `not_registered`, both also answered with an `error` frame; `internal`). */
    dropped: Record<string, number>;
  };
  /** Failed sends by ZeroMQ error code (EHOSTUNREACH, EAGAIN, ...) or `ENCODE`. */
  sendErrors: Record<string, number>;
  jobs: DispatcherStats;
  /** How often a handler's own limit held back work it had the capacity for, by handler and limit. */
  throttled: HandlerThrottled[];
}

/**
 * The master side of the handler link: the handler registry on a ROUTER socket and the remote
 * executor the run loop drives. `run()` resolves with the handler's outcome, with
 * `handler_lost` when the handler goes away mid-job, with `no_handler` when no handler could take
 * the job within `noHandlerWaitMs`.
 */
export interface HandlerLink extends Executor {
  start(): Promise<void>;
  /** Ends open runs as `interrupted`, marks handlers offline in the store, closes the socket. Idempotent. */
  close(): Promise<void>;
  stats(): HandlerLinkStats;
  /** The live registry (the store holds the same, written at its pace). */
  handlers(): HandlerRecord[];
  /** The bound endpoint, with the real port; null before `start()`. */
  endpoint(): string | null;
  /** Asks a handler to drain (finish its jobs, take no new ones, leave). False when it is not online. */
  drainHandler(handlerId: string, reason?: string): Promise<boolean>;
  onCapacity(listener: () => void): void;
}
