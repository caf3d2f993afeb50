export { type Clock, systemClock, type TimerHandle } from './clock.ts';
export * from './cluster/index.ts';
export { combineExecutors } from './combined-executor.ts';
export { ERROR_CODES, type ErrorCode, type ErrorDetail, SchedulerError, toError } from './errors.ts';
export {
  ABORT_REASON,
  type AbortReason,
  type ExecutionResult,
  type Executor,
  matchesTarget,
  type Placement,
  placementOf,
} from './executor.ts';
export {
  createGovernedExecutor,
  type GovernedExecutor,
  type GovernorConfig,
  type GovernorStats,
} from './governor.ts';
export type {
  HandlerContext,
  HandlerFunction,
  RemoteHandlerContext,
  RemoteHandlerFunction,
} from './handler-function.ts';
export * from './job-errors.ts';
export { LATENESS_BUCKETS_MS, type LatencySnapshot } from './latency-histogram.ts';
export { createLimitGate, type Limit, type LimitGate, type LimitKind } from './limit-gate.ts';
export { createLocalExecutor, type LocalExecutorOptions } from './local-executor.ts';
export { type Logger, silentLogger } from './logger.ts';
export { manualJobDraft, planFires, retryDelayMs } from './planner.ts';
export { createReadOnlyScheduler, type ReadOnlySchedulerOptions } from './read-only-scheduler.ts';
export { createScheduler, type SchedulerOptions } from './scheduler.ts';
export type { ReadScheduler, Scheduler, SchedulerStats } from './scheduler-types.ts';
export * from './store/index.ts';
export {
  createRefillAlarm,
  createThrottleCounter,
  type RefillAlarm,
  type ThrottleCount,
  type ThrottleCounter,
} from './throttle.ts';
export { createTokenBucket, type TokenBucket } from './token-bucket.ts';
export * from './triggers/index.ts';
