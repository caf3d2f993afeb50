import { type Clock, toError } from '@schedulezero/scheduler-core';
import type { ReplicaSteps } from './replica-steps.ts';
import { resume, type SubscriberContext, setState } from './subscriber-context.ts';
import { RequestTimeout } from './sync-client.ts';

const MIN_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 5_000;

export interface ReplicaLoop {
  /** Resolves once the loop has stopped (`context.closing`). */
  done: Promise<void>;
  /** Cuts a backoff short, so that closing does not wait for it. */
  wake(): void;
}

/**
 * The subscriber's one loop, which makes every decision and every write so that the states never
 * interleave: a snapshot when the replica has none it can use, a catch-up from the log after it
 * and after any gap or silence, the live stream otherwise. A failed step is retried with a backoff
 * from what the database holds; after a request timeout, of the next master when there are several.
 */
export function runReplicaLoop(
  context: SubscriberContext,
  steps: ReplicaSteps,
  live: () => Promise<void>,
): ReplicaLoop {
  const { zone, logger, counters } = context;
  const backoff = createBackoff(context.clock);

  async function run(): Promise<void> {
    let backoffMs = MIN_BACKOFF_MS;
    let firstCatchUp = true;
    while (!context.closing) {
      // The master this step asks: a request to it that times out moves the replica to the next.
      const master = context.rotation.index;
      try {
        if (context.need === 'snapshot') {
          setState(context, 'snapshotting');
          counters.snapshots += 1;
          context.need = await steps.snapshot();
          context.lag.reset(context.position.applied);
        } else if (context.need === 'catch_up') {
          // Counted before it runs: one that fails makes the next a resync.
          const first = firstCatchUp;
          firstCatchUp = false;
          await catchUp(context, steps, first);
        } else await live();
        backoffMs = MIN_BACKOFF_MS;
      } catch (error) {
        if (context.closing) break;
        counters.errors += 1;
        context.lastError = toError(error).message;
        logger.warn({ zone, err: toError(error), state: context.state }, 'replication step failed: retrying');
        if (error instanceof RequestTimeout) context.rotation.switchFrom(master, 'a sync request timed out');
        await backoff.sleep(backoffMs);
        backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
        // The failed step may have rolled back: start again from what the database holds.
        await context.store.replicationState(zone).then(
          (stored) => resume(context, stored),
          (reason) => {
            logger.warn({ zone, err: toError(reason) }, 'cannot read the replication state');
          },
        );
      }
    }
  }

  return { done: run(), wake: backoff.wake };
}

async function catchUp(context: SubscriberContext, steps: ReplicaSteps, first: boolean): Promise<void> {
  const { counters, position } = context;
  setState(context, 'catching_up');
  if (!first) counters.resyncs += 1;
  const rowsBefore = counters.appliedRows;
  context.need = await steps.catchUp();
  // Changes the stream never delivered (dropped while this process was stopped, say) and no later
  // frame gave away: a gap as much as a seq jump is, found by the silence.
  if (context.silenceCatchUp && counters.appliedRows > rowsBefore) {
    counters.gaps += 1;
    context.logger.warn(
      { zone: context.zone, rows: counters.appliedRows - rowsBefore },
      'the catch-up after a silence found changes the stream had not delivered',
    );
  }
  context.silenceCatchUp = false;
  // What the catch-up covered needs no buffer space any more, nor do frames of another epoch: the
  // master just confirmed ours (a newer one shows again in the next heartbeat).
  if (context.need === 'live')
    context.queue.discard(
      (frame) => frame.header.epoch !== position.epoch || frame.header.seq <= position.applied,
    );
}

/** A sleep on the subscriber's clock that `wake` ends early. */
function createBackoff(clock: Clock): { sleep(ms: number): Promise<void>; wake(): void } {
  let wake: (() => void) | undefined;
  return {
    sleep(ms) {
      return new Promise((resolve) => {
        const timer = clock.setTimer(() => resolve(), ms);
        wake = () => {
          clock.clearTimer(timer);
          resolve();
        };
      });
    },
    wake: () => wake?.(),
  };
}
