import type { Job } from '@schedulezero/protocol';
import type { JobOutcome } from './store/types.ts';

/**
 * Runs claimed jobs. The local executor calls in-process functions; the remote dispatcher (handler
 * link) sends them to handler workers. The run loop claims only what `capacity()` says the
 * executor will take now, applies the job's timeout through `signal`, and records the outcome.
 */
export interface Executor {
  /** Free slots per task right now; a task missing from the map has no handler. */
  capacity(): ReadonlyMap<string, number>;
  /**
   * Runs one attempt. Resolves with the outcome; a rejection is recorded as a `handler_error`
   * failure. When `signal` aborts (timeout, shutdown) the executor should stop the work.
   */
  run(job: Job, signal: AbortSignal): Promise<ExecutionResult>;
  /** Called when capacity may have grown (a handler registered, a slot freed). */
  onCapacity?(listener: () => void): void;
}

/** An attempt's outcome, and the handler that ran it when that is not the claiming node. */
export type ExecutionResult = JobOutcome & { handlerId?: string };
