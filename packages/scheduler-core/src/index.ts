export { type Clock, systemClock, type TimerHandle } from './clock.ts';
export * from './cluster/index.ts';
export { combineExecutors } from './combined-executor.ts';
export { ERROR_CODES, type ErrorCode, type ErrorDetail, SchedulerError, toError } from './errors.ts';
export {
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
export { LATENESS_BUCKETS_MS, type LatencySnapshot } from './latency-histogram.ts';
export { createLimitGate, type Limit, type LimitGate, type LimitKind } from './limit-gate.ts';
export {
  createLocalExecutor,
  type HandlerContext,
  type HandlerFunction,
  type LocalExecutorOptions,
} from './local-executor.ts';
export { type Logger, silentLogger } from './logger.ts';
export { manualJobDraft, planFires, retryDelayMs } from './planner.ts';
export { createReadOnlyScheduler, type ReadOnlySchedulerOptions } from './read-only-scheduler.ts';
export { createScheduler, type SchedulerOptions } from './scheduler.ts';
export type { ReadScheduler, Scheduler, SchedulerStats } from './scheduler-types.ts';
export * from './store/index.ts';
export { createTokenBucket, type TokenBucket } from './token-bucket.ts';
export * from './triggers/index.ts';
