import type { Job } from '@schedulezero/protocol';
import type { ExecutionResult, Executor } from './executor.ts';

/**
 * Several executors as one: a master with local handlers and remote workers. Capacities add up
 * per task; a job goes to the first executor (in the given order) with a free slot for its task.
 */
export function combineExecutors(executors: readonly Executor[]): Executor {
  return {
    capacity() {
      const total = new Map<string, number>();
      for (const executor of executors) {
        for (const [task, slots] of executor.capacity()) total.set(task, (total.get(task) ?? 0) + slots);
      }
      return total;
    },
    run(job: Job, signal: AbortSignal): Promise<ExecutionResult> {
      const free = executors.find((executor) => (executor.capacity().get(job.task) ?? 0) > 0);
      const offering = free ?? executors.find((executor) => executor.capacity().has(job.task));
      if (!offering) {
        return Promise.resolve({
          status: 'failed',
          error: { code: 'no_handler', message: `no handler offers task "${job.task}"` },
        });
      }
      return offering.run(job, signal);
    },
    onCapacity(listener) {
      for (const executor of executors) executor.onCapacity?.(listener);
    },
  };
}
