import { randomUUID } from 'node:crypto';
import { DEFAULT_LINK_MAX_BODY_BYTES } from '@schedulezero/protocol';
import { type Limit, silentLogger, systemClock, type TimerHandle } from '@schedulezero/scheduler-core';
import { createDispatcher } from './dispatcher.ts';
import { type HandlerEntry, statusOf } from './handler-entry.ts';
import { createLinkInbox } from './link-inbox.ts';
import { createLinkSocket } from './link-socket.ts';
import type { HandlerLimits, HandlerLink, HandlerLinkOptions } from './link-types.ts';
import { createRegistry } from './registry.ts';

const FORGET_OFFLINE_AFTER_MS = 24 * 3600 * 1000;

/**
 * The master side of the handler link, put together: the registry of handlers, the dispatcher
 * that runs attempts on them, the inbox that acts on their messages and the ROUTER socket they
 * arrive on; plus the sweep that notices silent handlers.
 */
export function createHandlerLink(options: HandlerLinkOptions): HandlerLink {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const heartbeatIntervalMs = options.heartbeatIntervalMs ?? 5_000;
  const missedHeartbeats = options.missedHeartbeats ?? 3;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_LINK_MAX_BODY_BYTES;
  const offlineAfterMs = heartbeatIntervalMs * missedHeartbeats;
  // Checking twice per interval bounds the detection delay to offlineAfterMs + interval / 2.
  const sweepMs = Math.max(10, Math.floor(heartbeatIntervalMs / 2));
  const masterId = randomUUID();
  const listeners: Array<() => void> = [];
  let sweepTimer: TimerHandle | undefined;
  let lastFree = new Map<string, number>();

  const nowMs = () => clock.now().getTime();
  const registry = createRegistry({
    store: options.store,
    logger,
    breaker: options.breaker ?? {},
    limitFor: (handlerId) => limitFor(options.limits, handlerId),
    offlineAfterMs,
    persistIntervalMs: options.persistIntervalMs ?? heartbeatIntervalMs,
    seenPersistIntervalMs: Math.max(30_000, offlineAfterMs),
  });
  const socket = createLinkSocket({
    bind: options.bind,
    maxBodyBytes,
    logger,
    configureSocket: options.configureSocket,
    onMessage: (identity, message) => receive(identity, message),
  });
  const dispatcher = createDispatcher({
    registry,
    clock,
    logger,
    send: socket.send,
    onUnreachable: (entry, code) => goOffline(entry, `unreachable: ${code}`),
    onCapacity: notify,
    noHandlerWaitMs: options.noHandlerWaitMs ?? 30_000,
    lostGraceMs: offlineAfterMs,
  });
  const receive = createLinkInbox({
    registry,
    dispatcher,
    clock,
    logger,
    send: socket.send,
    goOffline,
    notify,
    heartbeatIntervalMs,
    missedHeartbeats,
    masterId,
  });
  const running = () => socket.state() === 'started';

  function notify(): void {
    lastFree = dispatcher.capacity();
    for (const listener of listeners) listener();
  }

  function goOffline(entry: HandlerEntry, reason: string): void {
    if (entry.presence === 'offline') return;
    logger.warn({ handlerId: entry.id, reason, activeJobs: entry.active.size }, 'handler offline');
    registry.setPresence(entry, 'offline', nowMs());
    dispatcher.onHandlerGone(entry, reason);
  }

  function sweep(): void {
    sweepTimer = undefined;
    if (!running()) return;
    const now = nowMs();
    for (const entry of registry.expired(now)) goOffline(entry, `no message for ${offlineAfterMs} ms`);
    registry.flush(now);
    // A fleet that churns ids (autoscaled workers) must not grow the table forever.
    registry.forgetOffline(now, FORGET_OFFLINE_AFTER_MS);
    dispatcher.pump();
    // A breaker that turned half-open frees a trial slot: tell the loop only when capacity grew.
    const free = dispatcher.capacity();
    if ([...free].some(([task, slots]) => slots > (lastFree.get(task) ?? 0))) notify();
    else lastFree = free;
    sweepTimer = clock.setTimer(sweep, sweepMs);
  }

  return {
    async start() {
      if (socket.state() !== 'new') throw new Error('the handler link can be started once');
      // The store first: when it is unreachable, nothing is bound that would need closing.
      const stale = await registry.loadStored();
      if (stale > 0) logger.info({ count: stale }, 'marked handlers of a previous run offline');
      await socket.start();
      sweepTimer = clock.setTimer(sweep, sweepMs);
      logger.info({ endpoint: socket.endpoint(), masterId }, 'handler link listening');
    },

    async close() {
      if (socket.state() === 'closed') return;
      if (sweepTimer) clock.clearTimer(sweepTimer);
      sweepTimer = undefined;
      await socket.close(async () => {
        dispatcher.close();
        const now = nowMs();
        for (const entry of registry.entries()) registry.setPresence(entry, 'offline', now);
        await registry.idle();
      });
    },

    capacity: () => (running() ? dispatcher.capacity() : new Map()),
    place: (job) => (running() ? dispatcher.place(job) : 'none'),
    run: (job, signal, onStarted) => dispatcher.run(job, signal, onStarted),
    onCapacity(listener) {
      listeners.push(listener);
    },

    stats() {
      return {
        handlers: registry.countByStatus(nowMs()),
        ...socket.stats(),
        jobs: dispatcher.stats(),
        throttled: dispatcher.throttled(),
      };
    },
    handlers: () => registry.records(nowMs()),
    endpoint: socket.endpoint,

    async drainHandler(handlerId, reason = 'requested by master') {
      const entry = registry.get(handlerId);
      if (!entry || statusOf(entry, nowMs()) === 'offline') return false;
      registry.setPresence(entry, 'draining', nowMs());
      return (await socket.send(handlerId, { type: 'drain', reason })).ok;
    },
  };
}

/** A handler's limits: its own entry over the default for every handler, key by key. */
function limitFor(limits: HandlerLimits | undefined, handlerId: string): Limit | undefined {
  const own = limits?.perHandler?.[handlerId];
  if (!limits?.handler && !own) return undefined;
  return { ...limits?.handler, ...own };
}
