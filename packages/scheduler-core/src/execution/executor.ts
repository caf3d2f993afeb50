import type { Job } from '@schedulezero/protocol';
import type { JobOutcome } from '../store/ports/firing-store.ts';

/**
 * Runs claimed jobs. The local executor calls in-process functions; the remote dispatcher (handler
 * link) sends them to handler workers. The run loop claims only what `capacity()` says the
 * executor will take now, asks `place()` whether each claimed job can start at once, applies the
 * job's timeout through `signal`, and records the outcome.
 */
export interface Executor {
  /** Free slots per task right now; a task missing from the map has no handler. */
  capacity(): ReadonlyMap<string, number>;
  /**
   * Whether a handler that offers the job's task and matches its target (zone, tags) has a free
   * slot now (`now`), exists but is full (`busy`), or does not exist (`none`). Without it, a job
   * of a task with a free slot starts now.
   */
  place?(job: Job): Placement;
  /**
   * Runs one attempt. Resolves with the outcome; a rejection is recorded as a `handler_error`
   * failure. When `signal` aborts (timeout, cancel, shutdown) the executor should stop the work.
   * `onStarted` names the handler the attempt was handed to, as soon as it is.
   */
  run(job: Job, signal: AbortSignal, onStarted?: (handlerId: string) => void): Promise<ExecutionResult>;
  /** Called when capacity may have grown (a handler registered, a slot freed). */
  onCapacity?(listener: () => void): void;
}

export type Placement = 'now' | 'busy' | 'none';

/**
 * Why an attempt's signal aborts: the run loop's timeout, an operator's cancel, the node's
 * shutdown. The handler link forwards `timeout` to the worker (whose own deadline aborts with it
 * too), and `timeout` alone counts against a handler's health and reads as `timed_out`.
 */
export const ABORT_REASON = { timeout: 'timeout', cancelled: 'cancelled', shutdown: 'shutdown' } as const;
export type AbortReason = (typeof ABORT_REASON)[keyof typeof ABORT_REASON];

/** An attempt's outcome, and the handler that ran it when that is not the claiming node. */
export type ExecutionResult = JobOutcome & { handlerId?: string };

/** Where `place()` is not implemented: a free slot for the task is all it takes. */
export function placementOf(executor: Executor, job: Job): Placement {
  if (executor.place) return executor.place(job);
  const slots = executor.capacity().get(job.task);
  if (slots === undefined) return 'none';
  return slots > 0 ? 'now' : 'busy';
}

/** Whether a handler in `zone` with `tags` matches a job's target. */
export function matchesTarget(
  job: Pick<Job, 'target'>,
  zone: string | undefined,
  tags: ReadonlySet<string>,
): boolean {
  if (job.target.zone !== undefined && job.target.zone !== zone) return false;
  return job.target.tags.every((tag) => tags.has(tag));
}
