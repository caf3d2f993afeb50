import type { Job } from '@schedulezero/protocol';
import type { Clock } from '../clock.ts';
import type { Executor } from '../execution/executor.ts';
import type { FiringStore } from '../store/ports/firing-store.ts';
import type { HandBack, Unplaced } from './hand-back.ts';
import type { LoopState } from './loop-state.ts';

export interface ClaimStepOptions {
  state: LoopState;
  store: Pick<FiringStore, 'claimJobs'>;
  executor: Executor;
  clock: Clock;
  /** Recorded as the claimer of the attempts. */
  nodeId: string;
  handBack: HandBack;
  /** Starts a claimed job that a handler can take now. */
  start: (job: Job) => void;
  owner?: (() => string | null) | undefined;
}

/** Claimed jobs a pass looks past at most; the rest wait for the next pass. */
const MAX_HELD_PER_PASS = 1000;

/**
 * The second half of a pass: claims pending jobs up to the executor's free capacity, task group
 * by task group, and starts those a handler can take now.
 */
export function createClaimStep(options: ClaimStepOptions): () => Promise<void> {
  const { state, store, executor, clock } = options;

  return async function claimPending(): Promise<void> {
    const exhausted = new Set<string>();
    // A free slot for a task is not yet a handler for the job: its target may want another one.
    // Claimed jobs no handler can take now stay claimed until the pass ends, so that the next
    // claim reaches the jobs behind them (one for a free handler must not wait behind jobs for a
    // busy one); then they are handed back.
    const held: Unplaced[] = [];
    try {
      while (!state.stopped) {
        const group = largestFreeGroup(executor.capacity(), exhausted);
        if (!group) return;
        const owner = options.owner?.();
        if (owner === null) return;
        const jobs = await store.claimJobs({
          now: clock.now(),
          limit: group.slots,
          claimedBy: options.nodeId,
          tasks: group.tasks,
          owner,
        });
        for (const job of jobs) {
          const placement = executor.place?.(job) ?? 'now';
          if (placement === 'now') {
            options.handBack.started(job.id);
            options.start(job);
          } else held.push({ job, placement });
        }
        if (jobs.length < group.slots || held.length >= MAX_HELD_PER_PASS)
          for (const task of group.tasks) exhausted.add(task);
      }
    } finally {
      await options.handBack.handBack(held);
    }
  };
}

/** Tasks that share the largest number of free slots (a shared pool claims once for all of them). */
function largestFreeGroup(
  capacity: ReadonlyMap<string, number>,
  exhausted: ReadonlySet<string>,
): { tasks: string[]; slots: number } | undefined {
  const bySlots = new Map<number, string[]>();
  for (const [task, slots] of capacity) {
    if (slots <= 0 || exhausted.has(task)) continue;
    bySlots.set(slots, [...(bySlots.get(slots) ?? []), task]);
  }
  const slots = Math.max(...bySlots.keys());
  return Number.isFinite(slots) ? { tasks: bySlots.get(slots) ?? [], slots } : undefined;
}
