import { decodeStreamMessage, type StreamMessage, subscriptionPrefixes } from '@schedulezero/protocol';
import {
  type ReplicaState,
  silentLogger,
  systemClock,
  type TimerHandle,
  toError,
} from '@schedulezero/scheduler-core';
import { Dealer, Subscriber as SubSocket } from 'zeromq';
import { FrameQueue } from './frame-queue.ts';
import { LagTracker } from './lag-tracker.ts';
import { createListeners } from './listeners.ts';
import { type ReplicaSteps, replicaSteps } from './replica-steps.ts';
import { judgeFrame } from './stream-position.ts';
import { SyncClient } from './sync-client.ts';
import type {
  Subscriber,
  SubscriberEvents,
  SubscriberOptions,
  SubscriberState,
  SubscriberStatus,
} from './types.ts';

type Need = 'snapshot' | 'catch_up' | 'live';

const MIN_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 5_000;

/**
 * The replica's side of a zone stream (docs/replication.md): subscribe first and buffer, catch up
 * from the log from appliedSeq + 1 (or take a snapshot when the log cannot serve it), then apply
 * the live stream in order, going back to the log on any gap. One loop makes every decision and
 * every write, so the states never interleave.
 */
export function createSubscriber(options: SubscriberOptions): Subscriber {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const { store, zone } = options;
  const kinds = options.kinds ? [...new Set(options.kinds)].sort() : null;
  if (kinds?.length === 0) throw new Error('kinds: name at least one kind, or leave it out for all');
  const silenceMs = options.silenceMs ?? 3_000;
  const maxBatch = options.maxBatch ?? 500;
  const queue = new FrameQueue<StreamMessage>(options.bufferLimit ?? 10_000);
  const lag = new LagTracker();
  const listeners = createListeners<SubscriberEvents>();
  const counters = {
    gaps: 0,
    resyncs: 0,
    snapshots: 0,
    appliedRows: 0,
    catchUpRows: 0,
    receivedChanges: 0,
    dropped: 0,
    errors: 0,
  };
  const position = { epoch: null as string | null, applied: 0 };
  let state: SubscriberState = 'idle';
  let need: Need = 'catch_up';
  /** The next catch-up is for a silence: what it applies the live stream lost without a trace. */
  let silenceCatchUp = false;
  let lastError: string | null = null;
  let lastContact = Number.NEGATIVE_INFINITY;
  let behindBeats = 0;
  let started = false;
  let closing = false;
  let client: SyncClient | undefined;
  let steps: ReplicaSteps | undefined;
  let sub: SubSocket | undefined;
  let reading: Promise<void> | undefined;
  let running: Promise<void> | undefined;
  let watchdog: TimerHandle | undefined;
  let wakeSleep: (() => void) | undefined;

  const now = () => clock.now().getTime();
  const contact = () => {
    lastContact = now();
  };
  /** Heard from the master lately, or too busy to listen (the buffer is full). */
  const inTouch = () => queue.full || now() - lastContact < silenceMs;

  function setState(next: SubscriberState): void {
    if (state === next) return;
    state = next;
    logger.debug({ zone, state, appliedSeq: position.applied }, 'replication state');
    listeners.emit('state', next);
  }

  /** Where to start from the stored state: a snapshot unless a complete one of the same kinds is there. */
  function resume(stored: ReplicaState | undefined): void {
    position.epoch = stored?.epoch ?? null;
    position.applied = stored?.snapshotSeq === null ? stored.appliedSeq : 0;
    const sameKinds = JSON.stringify(stored?.kinds ?? null) === JSON.stringify(kinds);
    if (stored !== undefined && !sameKinds)
      logger.info({ zone, was: stored.kinds, now: kinds }, 'kinds changed');
    need = stored === undefined || stored.snapshotSeq !== null || !sameKinds ? 'snapshot' : 'catch_up';
  }

  async function live(): Promise<void> {
    setState('live');
    const frames = await queue.take(maxBatch);
    if (frames.length > 0 && frames.length < maxBatch) {
      // Frames come in bursts (a transaction's rows, a tail's page): one more turn of the event
      // loop lets the rest of the burst in, to be applied in the same transaction.
      await new Promise((resolve) => setImmediate(resolve));
      frames.push(...queue.takeReady(maxBatch - frames.length));
    }
    if (frames.length === 0) {
      // A loop that was busy (a long synchronous write) has socket reads pending: let them in first.
      await new Promise((resolve) => setImmediate(resolve));
      if (!closing && queue.size === 0 && !inTouch()) {
        logger.warn({ zone, silentMs: now() - lastContact }, 'no frame from the master: asking the log');
        need = 'catch_up';
        silenceCatchUp = true;
      }
      return;
    }
    let at = position.applied;
    const rows: Array<{ seq: number; topic: string; payload: unknown; time: number }> = [];
    for (const [index, frame] of frames.entries()) {
      const { header } = frame;
      const verdict = judgeFrame(header, frame.topic, at, position.epoch, kinds);
      if (verdict.action === 'skip') continue;
      if (verdict.action === 'apply') {
        rows.push({ seq: header.seq, topic: frame.topic, payload: frame.payload, time: header.masterTime });
        at = verdict.to;
        continue;
      }
      if (verdict.action === 'advance') {
        at = Math.max(at, verdict.to);
        behindBeats = 0;
        continue;
      }
      // A publisher still tailing what a catch-up already read is behind for a beat; twice is a question.
      if (verdict.action === 'behind' && ++behindBeats < 2) continue;
      if (verdict.action === 'gap') {
        counters.gaps += 1;
        logger.warn(
          { zone, at, seq: header.seq, missing: verdict.missing },
          'gap in the stream: catching up',
        );
      } else logger.info({ zone, at, seq: header.seq, verdict: verdict.action }, 'asking the log');
      behindBeats = 0;
      need = 'catch_up';
      // The rest waits for after the catch-up, which skips what it covered.
      queue.unshift(frames.slice(index));
      break;
    }
    if (steps && !(await steps.apply(rows, at, 'live'))) need = 'snapshot';
  }

  async function run(): Promise<void> {
    let backoffMs = MIN_BACKOFF_MS;
    let firstCatchUp = true;
    while (!closing) {
      try {
        if (need === 'snapshot') {
          setState('snapshotting');
          counters.snapshots += 1;
          need = (await steps?.snapshot()) ?? 'catch_up';
          lag.reset(position.applied);
        } else if (need === 'catch_up') {
          setState('catching_up');
          if (!firstCatchUp) counters.resyncs += 1;
          firstCatchUp = false;
          const rowsBefore = counters.appliedRows;
          need = (await steps?.catchUp()) ?? 'live';
          // Changes the stream never delivered (dropped while this process was stopped, say) and
          // no later frame gave away: a gap as much as a seq jump is, found by the silence.
          if (silenceCatchUp && counters.appliedRows > rowsBefore) {
            counters.gaps += 1;
            logger.warn(
              { zone, rows: counters.appliedRows - rowsBefore },
              'the catch-up after a silence found changes the stream had not delivered',
            );
          }
          silenceCatchUp = false;
          // What the catch-up covered needs no buffer space any more, nor do frames of another
          // epoch: the master just confirmed ours (a newer one shows again in the next heartbeat).
          if (need === 'live')
            queue.discard(
              (frame) => frame.header.epoch !== position.epoch || frame.header.seq <= position.applied,
            );
        } else await live();
        backoffMs = MIN_BACKOFF_MS;
      } catch (error) {
        if (closing) break;
        counters.errors += 1;
        lastError = toError(error).message;
        logger.warn({ zone, err: toError(error), state }, 'replication step failed: retrying');
        await sleep(backoffMs);
        backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
        // The failed step may have rolled back: start again from what the database holds.
        await store.replicationState(zone).then(resume, (reason) => {
          logger.warn({ zone, err: toError(reason) }, 'cannot read the replication state');
        });
      }
    }
  }

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = clock.setTimer(() => resolve(), ms);
      wakeSleep = () => {
        clock.clearTimer(timer);
        resolve();
      };
    });
  }

  async function readStream(socket: SubSocket): Promise<void> {
    try {
      for await (const frames of socket) {
        contact();
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
            lag.heartbeat(header.seq, header.masterTime, now(), position.applied);
          else lag.head(header.seq, header.masterTime, position.applied);
        }
        // Waits while the buffer is full: ZeroMQ queues behind it, the publisher drops, a gap follows.
        await queue.push(decoded.value);
        // Not listening is not silence: the time spent waiting for room does not count.
        contact();
      }
    } catch (error) {
      if (!closing) logger.error({ zone, err: toError(error) }, 'stream reader stopped');
    }
  }

  function watch(): void {
    watchdog = clock.setTimer(watch, Math.max(20, Math.floor(silenceMs / 2)));
    if (!inTouch()) queue.wake();
  }

  function status(): SubscriberStatus {
    const localNow = now();
    const { lagChanges, lagMs } = lag.lag(position.applied, localNow);
    return {
      zone,
      state,
      kinds,
      epoch: position.epoch,
      appliedSeq: position.applied,
      headSeq: Math.max(lag.headSeq, position.applied),
      lagChanges,
      lagMs,
      connected: inTouch(),
      ...counters,
      dropped: counters.dropped + (client?.dropped ?? 0),
      lastError,
    };
  }

  return {
    async start() {
      if (started) throw new Error('a subscriber starts once');
      started = true;
      resume(await store.replicationState(zone));
      const socket = new SubSocket({ linger: 0, receiveHighWaterMark: options.receiveHighWaterMark ?? 1000 });
      const requestTimeoutMs = options.requestTimeoutMs ?? 5_000;
      const dealer = new Dealer({ linger: 0, sendTimeout: requestTimeoutMs });
      try {
        await options.configureSocket?.(socket, 'subscribe', zone);
        await options.configureSocket?.(dealer, 'request', zone);
        for (const prefix of subscriptionPrefixes(kinds)) socket.subscribe(prefix);
        socket.connect(options.publish);
        dealer.connect(options.sync);
      } catch (error) {
        socket.close();
        dealer.close();
        throw error;
      }
      sub = socket;
      client = new SyncClient(dealer, { clock, logger, timeoutMs: requestTimeoutMs, onReply: contact });
      client.start();
      steps = replicaSteps({
        store,
        zone,
        kinds,
        pageSize: options.pageSize ?? 500,
        client,
        logger,
        lag,
        position,
        now,
        onApplied: (event, rows) => {
          counters.appliedRows += rows;
          if (event.source === 'sync') counters.catchUpRows += rows;
          listeners.emit('applied', event);
        },
      });
      reading = readStream(socket);
      watch();
      running = run();
      logger.info({ zone, publish: options.publish, sync: options.sync, kinds }, 'replica subscribed');
    },

    async close() {
      if (closing) return;
      closing = true;
      if (watchdog) clock.clearTimer(watchdog);
      wakeSleep?.();
      queue.close();
      await client?.close();
      sub?.close();
      await Promise.all([reading, running]);
      setState('closed');
    },

    status,
    on: listeners.on,

    waitFor(predicate, timeoutMs) {
      return new Promise((resolve, reject) => {
        const deadline = now() + timeoutMs;
        const check = () => {
          const current = status();
          if (predicate(current)) resolve(current);
          else if (now() >= deadline) reject(new Error(`waitFor timed out: ${JSON.stringify(current)}`));
          else clock.setTimer(check, 10);
        };
        check();
      });
    },
  };
}
