import { toError } from '@schedulezero/scheduler-core';
import type { Subscriber as SubSocket } from 'zeromq';
import type { Subscriber, SubscriberOptions } from '../types.ts';
import { createLiveStep } from './live-batch.ts';
import { type ReplicaLoop, runReplicaLoop } from './replica-loop.ts';
import { replicaSteps } from './replica-steps.ts';
import {
  connectSockets,
  followMaster,
  readStream,
  type StreamSockets,
  watchSilence,
} from './stream-connection.ts';
import {
  contact,
  createSubscriberContext,
  localNow,
  resume,
  type SubscriberContext,
  setState,
} from './subscriber-context.ts';
import { subscriberStatus } from './subscriber-status.ts';
import { SyncClient } from './sync-client.ts';

/** What a started subscriber holds, to stop on close. */
interface Running {
  sub: SubSocket;
  client: SyncClient;
  reading: Promise<void>;
  loop: ReplicaLoop;
  stopWatch: () => void;
}

/**
 * The replica's side of a zone stream (docs/replication.md): subscribe first and buffer, catch up
 * from the log from appliedSeq + 1 (or take a snapshot when the log cannot serve it), then apply
 * the live stream in order, going back to the log on any gap. Of several masters (a cluster on one
 * database) it follows one at a time and moves to the next when it falls silent (master-rotation.ts).
 * The parts share one context
 * (subscriber-context.ts); one loop (replica-loop.ts) makes every decision and every write.
 */
export function createSubscriber(options: SubscriberOptions): Subscriber {
  let sockets: StreamSockets | undefined;
  // A switch can only come from the watchdog or the loop, both started after the sockets.
  const context: SubscriberContext = createSubscriberContext(options, (from, to) => {
    if (sockets === undefined) return;
    try {
      followMaster(sockets, from, to);
    } catch (error) {
      // An endpoint the socket cannot take: the silence moves on to the next master in its turn.
      context.lastError = toError(error).message;
      logger.error({ zone, err: toError(error), to }, 'cannot connect to the next master');
    }
  });
  const { zone, clock, logger } = context;
  let started = false;
  let running: Running | undefined;

  const status = () => subscriberStatus(context, running?.client.dropped ?? 0);

  return {
    async start() {
      if (started) throw new Error('a subscriber starts once');
      started = true;
      resume(context, await context.store.replicationState(zone));
      const requestTimeoutMs = options.requestTimeoutMs ?? 5_000;
      sockets = await connectSockets(context, options, requestTimeoutMs);
      const { sub, dealer } = sockets;
      const client = new SyncClient(dealer, {
        clock,
        logger,
        timeoutMs: requestTimeoutMs,
        onReply: () => contact(context),
      });
      client.start();
      const steps = replicaSteps(context, client, options.pageSize ?? 500);
      const reading = readStream(sub, context);
      const stopWatch = watchSilence(context);
      const loop = runReplicaLoop(context, steps, createLiveStep(context, steps, options.maxBatch ?? 500));
      running = { sub, client, reading, loop, stopWatch };
      logger.info(
        { zone, ...context.rotation.current, masters: context.rotation.masters.length, kinds: context.kinds },
        'replica subscribed',
      );
    },

    async close() {
      if (context.closing) return;
      context.closing = true;
      running?.stopWatch();
      running?.loop.wake();
      context.queue.close();
      await running?.client.close();
      running?.sub.close();
      await Promise.all([running?.reading, running?.loop.done]);
      setState(context, 'closed');
    },

    status,
    on: context.listeners.on,

    waitFor(predicate, timeoutMs) {
      return new Promise((resolve, reject) => {
        const deadline = localNow(context) + timeoutMs;
        const check = () => {
          const current = status();
          if (predicate(current)) resolve(current);
          else if (localNow(context) >= deadline)
            reject(new Error(`waitFor timed out: ${JSON.stringify(current)}`));
          else clock.setTimer(check, 10);
        };
        check();
      });
    },
  };
}
