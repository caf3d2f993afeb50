export type { RemoteHandlerContext, RemoteHandlerFunction } from '@schedulezero/scheduler-core';
export {
  type BreakerState,
  type CircuitBreakerOptions,
  createCircuitBreaker,
} from './master/circuit-breaker.ts';
export type { DispatcherCounters, HandlerThrottled } from './master/dispatch-counters.ts';
export type { DispatcherStats } from './master/dispatcher.ts';
export { createHandlerLink } from './master/handler-link.ts';
export type {
  HandlerLimits,
  HandlerLink,
  HandlerLinkOptions,
  HandlerLinkStats,
} from './master/link-types.ts';
export { createLinkWorker } from './worker/link-worker.ts';
export {
  createMultiLinkWorker,
  type MultiLinkStats,
  type MultiLinkWorker,
  type MultiLinkWorkerOptions,
  type MultiLinkWorkerStats,
} from './worker/multi-link-worker.ts';
export { createSlotPool, type SlotPool } from './worker/slot-pool.ts';
export type { LinkWorker, LinkWorkerOptions, LinkWorkerStats } from './worker/worker-types.ts';
