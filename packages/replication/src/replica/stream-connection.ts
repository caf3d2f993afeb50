import { decodeStreamMessage, subscriptionPrefixes } from '@schedulezero/protocol';
import { type TimerHandle, toError } from '@schedulezero/scheduler-core';
import { Dealer, Subscriber as SubSocket } from 'zeromq';
import type { MasterEndpoints, SubscriberOptions } from '../types.ts';
import { contact, inTouch, localNow, type SubscriberContext } from './subscriber-context.ts';

/**
 * The replica's sockets to its zone's two master endpoints: the SUB that reads the live stream
 * into the queue, the DEALER the sync client asks the log on, and the watchdog that notices when
 * the master falls silent (and moves to the next master, when there are several).
 */

export interface StreamSockets {
  sub: SubSocket;
  dealer: Dealer;
}

/**
 * Connects both sockets to the current master (after the `configureSocket` hook); closes both
 * when any step fails.
 */
export async function connectSockets(
  context: SubscriberContext,
  options: SubscriberOptions,
  requestTimeoutMs: number,
): Promise<StreamSockets> {
  const { zone } = context;
  const sub = new SubSocket({ linger: 0, receiveHighWaterMark: options.receiveHighWaterMark ?? 1000 });
  const dealer = new Dealer({ linger: 0, sendTimeout: requestTimeoutMs });
  try {
    await options.configureSocket?.(sub, 'subscribe', zone);
    await options.configureSocket?.(dealer, 'request', zone);
    for (const prefix of subscriptionPrefixes(context.kinds)) sub.subscribe(prefix);
    const { publish, sync } = context.rotation.current;
    sub.connect(publish);
    dealer.connect(sync);
  } catch (error) {
    sub.close();
    dealer.close();
    throw error;
  }
  return { sub, dealer };
}

/**
 * Points both sockets from one master to another, keeping the sockets (their subscriptions, CURVE
 * keys and the sync client reading the DEALER): what the old master had queued is dropped, and
 * requests still waiting on it time out and are asked again of the new one.
 */
export function followMaster(
  { sub, dealer }: StreamSockets,
  from: MasterEndpoints,
  to: MasterEndpoints,
): void {
  sub.disconnect(from.publish);
  dealer.disconnect(from.sync);
  sub.connect(to.publish);
  dealer.connect(to.sync);
}

/** Reads the live stream into the queue until the socket closes, counting what it drops and sees. */
export async function readStream(socket: SubSocket, context: SubscriberContext): Promise<void> {
  const { zone, logger, counters, position, lag, queue } = context;
  try {
    for await (const frames of socket) {
      contact(context);
      const decoded = decodeStreamMessage(frames);
      if (!decoded.ok) {
        counters.dropped += 1;
        logger.debug({ zone, reason: decoded.reason, detail: decoded.detail }, 'dropped a stream frame');
        continue;
      }
      // The head as it arrives, not as the loop gets to it: lag counts what waits in the buffer.
      const { header } = decoded.value;
      if (header.kind !== 'heartbeat') counters.receivedChanges += 1;
      if (header.epoch === position.epoch) {
        if (header.kind === 'heartbeat')
          lag.heartbeat(header.seq, header.masterTime, localNow(context), position.applied);
        else lag.head(header.seq, header.masterTime, position.applied);
      }
      // Waits while the buffer is full: ZeroMQ queues behind it, the publisher drops, a gap follows.
      await queue.push(decoded.value);
      // Not listening is not silence: the time spent waiting for room does not count.
      contact(context);
    }
  } catch (error) {
    if (!context.closing) logger.error({ zone, err: toError(error) }, 'stream reader stopped');
  }
}

/**
 * Wakes the loop when the master has been silent for `silenceMs`, so that a live batch waiting
 * for frames that will not come asks the log instead. A master silent for that long since it was
 * chosen is left for the next one first, so that the log is asked of a master that may answer.
 * Returns the function that stops it.
 */
export function watchSilence(context: SubscriberContext): () => void {
  const { clock, queue, rotation } = context;
  const periodMs = Math.max(20, Math.floor(context.silenceMs / 2));
  let timer: TimerHandle;
  const watch = () => {
    timer = clock.setTimer(watch, periodMs);
    if (inTouch(context)) return;
    if (localNow(context) - rotation.since >= context.silenceMs)
      rotation.switchFrom(rotation.index, 'silent');
    queue.wake();
  };
  watch();
  return () => clock.clearTimer(timer);
}
