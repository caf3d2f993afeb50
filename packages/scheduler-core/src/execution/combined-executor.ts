import type { Job } from '@schedulezero/protocol';
import { type ExecutionResult, type Executor, type Placement, placementOf } from './executor.ts';
import { noCombinedHandlerError } from './job-errors.ts';

/**
 * Several executors as one: a master with local handlers and remote workers. Capacities add up
 * per task; a job goes to the first executor (in the given order) that has a handler for its task
 * and target with a free slot, else to the first where such a handler is busy. The target
 * decides: local handlers have a zone and tags like remote ones, and a job whose target only a
 * remote worker matches is never run locally.
 */
export function combineExecutors(executors: readonly Executor[]): Executor {
  function choose(job: Job): { executor: Executor | undefined; placement: Placement } {
    let busy: Executor | undefined;
    for (const executor of executors) {
      const placement = placementOf(executor, job);
      if (placement === 'now') return { executor, placement };
      if (placement === 'busy') busy ??= executor;
    }
    return busy ? { executor: busy, placement: 'busy' } : { executor: undefined, placement: 'none' };
  }

  return {
    capacity() {
      const total = new Map<string, number>();
      for (const executor of executors) {
        for (const [task, slots] of executor.capacity()) total.set(task, (total.get(task) ?? 0) + slots);
      }
      return total;
    },
    place: (job) => choose(job).placement,
    run(job: Job, signal: AbortSignal, onStarted?: (handlerId: string) => void): Promise<ExecutionResult> {
      const { executor } = choose(job);
      if (!executor) {
        return Promise.resolve({ status: 'failed', error: noCombinedHandlerError(job.task) });
      }
      return executor.run(job, signal, onStarted);
    },
    onCapacity(listener) {
      for (const executor of executors) executor.onCapacity?.(listener);
    },
  };
}
