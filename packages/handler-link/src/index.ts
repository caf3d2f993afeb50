export { type BreakerState, type CircuitBreakerOptions, createCircuitBreaker } from './circuit-breaker.ts';
export type { DispatcherCounters, HandlerThrottled } from './dispatcher.ts';
export { createHandlerLink } from './handler-link.ts';
export type { HandlerLimits, HandlerLink, HandlerLinkOptions, HandlerLinkStats } from './link-types.ts';
export type { RemoteHandlerContext, RemoteHandlerFunction } from './worker/job-runner.ts';
export { createLinkWorker } from './worker/link-worker.ts';
export type { LinkWorker, LinkWorkerOptions, LinkWorkerStats } from './worker/worker-types.ts';
