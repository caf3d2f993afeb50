export { type Clock, systemClock, type TimerHandle } from './clock.ts';
export * from './cluster/index.ts';
export { ERROR_CODES, type ErrorCode, type ErrorDetail, SchedulerError, toError } from './errors.ts';
export { combineExecutors } from './execution/combined-executor.ts';
export {
  ABORT_REASON,
  type AbortReason,
  type ExecutionResult,
  type Executor,
  matchesTarget,
  type Placement,
  placementOf,
} from './execution/executor.ts';
export type {
  HandlerContext,
  HandlerFunction,
  RemoteHandlerContext,
  RemoteHandlerFunction,
} from './execution/handler-function.ts';
export * from './execution/job-errors.ts';
export { createLocalExecutor, type LocalExecutorOptions } from './execution/local-executor.ts';
export { LATENESS_BUCKETS_MS, type LatencySnapshot } from './latency-histogram.ts';
export {
  createGovernedExecutor,
  type GovernedExecutor,
  type GovernorConfig,
  type GovernorStats,
} from './limits/governor.ts';
export { createLimitGate, type Limit, type LimitGate, type LimitKind } from './limits/limit-gate.ts';
export {
  createRefillAlarm,
  createThrottleCounter,
  type RefillAlarm,
  type ThrottleCount,
  type ThrottleCounter,
} from './limits/throttle.ts';
export { createTokenBucket, type TokenBucket } from './limits/token-bucket.ts';
export { type Logger, silentLogger } from './logger.ts';
export { manualJobDraft, planFires, retryDelayMs } from './planner.ts';
export { createReadOnlyScheduler, type ReadOnlySchedulerOptions } from './read-only-scheduler.ts';
export { createScheduler, type SchedulerOptions } from './scheduler.ts';
export type { ReadScheduler, Scheduler, SchedulerStats } from './scheduler-types.ts';
export * from './store/index.ts';
export * from './triggers/index.ts';
