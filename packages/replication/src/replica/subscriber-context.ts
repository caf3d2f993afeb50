import type { ReplicationKind, StreamMessage } from '@schedulezero/protocol';
import {
  type Clock,
  type Logger,
  type ReplicaState,
  silentLogger,
  systemClock,
} from '@schedulezero/scheduler-core';
import type { SubscriberEvents, SubscriberOptions, SubscriberState } from '../types.ts';
import { FrameQueue } from './frame-queue.ts';
import { LagTracker } from './lag-tracker.ts';
import { createListeners } from './listeners.ts';
import { createMasterRotation, type MasterRotation, mastersOf, type OnSwitch } from './master-rotation.ts';

/** What the subscriber's loop does next. */
export type Need = 'snapshot' | 'catch_up' | 'live';

export interface SubscriberCounters {
  gaps: number;
  resyncs: number;
  snapshots: number;
  appliedRows: number;
  catchUpRows: number;
  receivedChanges: number;
  dropped: number;
  errors: number;
}

/**
 * The state a replica's subscriber shares between its parts: the stream reader (connection), the
 * loop that decides (replica-loop), the live batches and the writing steps, and the status. One
 * object passed to each, so that who reads and who writes what is written down here.
 */
export interface SubscriberContext {
  readonly store: SubscriberOptions['store'];
  readonly zone: string;
  /** Sorted, without duplicates; null for all kinds. */
  readonly kinds: ReplicationKind[] | null;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly silenceMs: number;
  /** Live frames, from the stream reader to the loop. */
  readonly queue: FrameQueue<StreamMessage>;
  readonly lag: LagTracker;
  readonly listeners: ReturnType<typeof createListeners<SubscriberEvents>>;
  readonly counters: SubscriberCounters;
  /** The masters, and the one whose sockets the replica is connected to. */
  readonly rotation: MasterRotation;
  /**
   * What the replica database holds: moved by the writing steps (and `resume`), read by the live
   * batches to judge frames and by the reader to count lag.
   */
  readonly position: { epoch: string | null; applied: number };
  /** Set by `setState` only. */
  state: SubscriberState;
  /** Set by the loop and by a live batch that finds a gap or a silence. */
  need: Need;
  /** The next catch-up is for a silence: what it applies the live stream lost without a trace. */
  silenceCatchUp: boolean;
  lastError: string | null;
  /** Local time of the last frame or reply from the master. */
  lastContact: number;
  /** Set once by `close`: every part stops at its next turn. */
  closing: boolean;
}

/** `moveSockets` points the replica's sockets from one master to the next when the rotation moves. */
export function createSubscriberContext(
  options: SubscriberOptions,
  moveSockets: OnSwitch,
): SubscriberContext {
  const kinds = options.kinds ? [...new Set(options.kinds)].sort() : null;
  if (kinds?.length === 0) throw new Error('kinds: name at least one kind, or leave it out for all');
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const listeners = createListeners<SubscriberEvents>();
  const rotation = createMasterRotation(
    mastersOf(options),
    () => clock.now().getTime(),
    (from, to, reason) => {
      logger.warn({ zone: options.zone, from, to, reason }, 'switched master');
      moveSockets(from, to, reason);
      listeners.emit('switched', { from, to, reason });
    },
  );
  return {
    store: options.store,
    zone: options.zone,
    kinds,
    clock,
    logger,
    silenceMs: options.silenceMs ?? 3_000,
    queue: new FrameQueue<StreamMessage>(options.bufferLimit ?? 10_000),
    lag: new LagTracker(),
    listeners,
    rotation,
    counters: {
      gaps: 0,
      resyncs: 0,
      snapshots: 0,
      appliedRows: 0,
      catchUpRows: 0,
      receivedChanges: 0,
      dropped: 0,
      errors: 0,
    },
    position: { epoch: null, applied: 0 },
    state: 'idle',
    need: 'catch_up',
    silenceCatchUp: false,
    lastError: null,
    lastContact: Number.NEGATIVE_INFINITY,
    closing: false,
  };
}

export function localNow(context: SubscriberContext): number {
  return context.clock.now().getTime();
}

/** A frame or a reply came from the master. */
export function contact(context: SubscriberContext): void {
  context.lastContact = localNow(context);
}

/** Heard from the master lately, or too busy to listen (the buffer is full). */
export function inTouch(context: SubscriberContext): boolean {
  return context.queue.full || localNow(context) - context.lastContact < context.silenceMs;
}

export function setState(context: SubscriberContext, next: SubscriberState): void {
  if (context.state === next) return;
  context.state = next;
  context.logger.debug(
    { zone: context.zone, state: next, appliedSeq: context.position.applied },
    'replication state',
  );
  context.listeners.emit('state', next);
}

/** Where to start from the stored state: a snapshot unless a complete one of the same kinds is there. */
export function resume(context: SubscriberContext, stored: ReplicaState | undefined): void {
  const { position, kinds } = context;
  position.epoch = stored?.epoch ?? null;
  position.applied = stored?.snapshotSeq === null ? stored.appliedSeq : 0;
  const sameKinds = JSON.stringify(stored?.kinds ?? null) === JSON.stringify(kinds);
  if (stored !== undefined && !sameKinds)
    context.logger.info({ zone: context.zone, was: stored.kinds, now: kinds }, 'kinds changed');
  context.need = stored === undefined || stored.snapshotSeq !== null || !sameKinds ? 'snapshot' : 'catch_up';
}
