import type { Job } from '@schedulezero/protocol';
import { type ExecutionResult, type Executor, matchesTarget } from './executor.ts';
import type { HandlerContext, HandlerFunction } from './handler-function.ts';
import { handlerError, invalidResultError, noLocalHandlerError } from './job-errors.ts';

// The function type local handlers are written against, where their executor is.
export type { HandlerContext, HandlerFunction };

export interface LocalExecutorOptions {
  /** Jobs run at once in this process, all tasks together. */
  concurrency?: number;
  /** The handler id recorded on the jobs it runs (a master's local handler record). */
  handlerId?: string;
  /** The zone and tags a job's target must match, as for a remote handler. Default: no zone, no tags. */
  zone?: string;
  tags?: readonly string[];
}

/** Runs jobs in this process by calling registered functions by task name. */
export function createLocalExecutor(
  handlers: Readonly<Record<string, HandlerFunction>>,
  options: LocalExecutorOptions = {},
): Executor {
  const concurrency = options.concurrency ?? 50;
  const listeners: Array<() => void> = [];
  const tags = new Set(options.tags);
  let active = 0;
  const matches = (job: Job) => job.task in handlers && matchesTarget(job, options.zone, tags);

  return {
    capacity() {
      const free = Math.max(0, concurrency - active);
      return new Map(Object.keys(handlers).map((task) => [task, free]));
    },
    place(job) {
      if (!matches(job)) return 'none';
      return active < concurrency ? 'now' : 'busy';
    },
    async run(job, signal, onStarted): Promise<ExecutionResult> {
      const handler = handlers[job.task];
      if (!handler || !matches(job)) return { status: 'failed', error: noLocalHandlerError(job.task) };
      if (options.handlerId !== undefined) onStarted?.(options.handlerId);
      active += 1;
      try {
        const context: HandlerContext = {
          signal,
          jobId: job.id,
          scheduleId: job.scheduleId,
          attempt: job.attempt,
          scheduledAt: job.scheduledAt,
        };
        return toSucceeded(await handler(job.args, context));
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        return { status: 'failed', error: handlerError(message) };
      } finally {
        active -= 1;
        for (const listener of listeners) listener();
      }
    },
    onCapacity(listener) {
      listeners.push(listener);
    },
  };
}

/** The result is stored as JSON: a value JSON cannot hold fails the attempt instead of the write. */
function toSucceeded(value: unknown): ExecutionResult {
  try {
    const text = JSON.stringify(value ?? null);
    return { status: 'succeeded', result: JSON.parse(text) };
  } catch (error) {
    return { status: 'failed', error: invalidResultError(error) };
  }
}
