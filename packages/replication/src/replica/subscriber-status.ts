import type { SubscriberStatus } from '../types.ts';
import { inTouch, localNow, type SubscriberContext } from './subscriber-context.ts';

/**
 * The subscriber's status: its position, its lag behind the master's head, and its counters.
 * `syncDropped`: the replies the sync client dropped, counted with the stream's dropped frames.
 */
export function subscriberStatus(context: SubscriberContext, syncDropped: number): SubscriberStatus {
  const { position, lag, counters } = context;
  const { lagChanges, lagMs } = lag.lag(position.applied, localNow(context));
  return {
    zone: context.zone,
    state: context.state,
    kinds: context.kinds,
    epoch: position.epoch,
    appliedSeq: position.applied,
    headSeq: Math.max(lag.headSeq, position.applied),
    lagChanges,
    lagMs,
    connected: inTouch(context),
    master: { ...context.rotation.current },
    masterSwitches: context.rotation.switches,
    ...counters,
    dropped: counters.dropped + syncDropped,
    lastError: context.lastError,
  };
}
