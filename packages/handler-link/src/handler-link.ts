import { randomUUID } from 'node:crypto';
import {
  DEFAULT_LINK_MAX_BODY_BYTES,
  decodeWorkerMessage,
  encodeMasterMessage,
  idSchema,
  type LinkErrorCode,
  type MasterMessage,
  type WorkerMessage,
} from '@schedulezero/protocol';
import {
  type Limit,
  silentLogger,
  systemClock,
  type TimerHandle,
  toError,
} from '@schedulezero/scheduler-core';
import { Router } from 'zeromq';
import { createDispatcher } from './dispatcher.ts';
import { type HandlerEntry, statusOf } from './handler-entry.ts';
import type { HandlerLimits, HandlerLink, HandlerLinkOptions } from './link-types.ts';
import { createRegistry } from './registry.ts';
import { type SendOutcome, SocketWriter } from './socket-writer.ts';

type Message<T extends WorkerMessage['type']> = Extract<WorkerMessage, { type: T }>;

/** A message not handled: counted by reason; a refusal is also answered with an `error` frame. */
interface Dropped {
  reason: string;
  detail: string;
  identity?: string;
  refusal?: { code: LinkErrorCode; refused: string; message: string };
}

const FORGET_OFFLINE_AFTER_MS = 24 * 3600 * 1000;

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
  const dropped: Record<string, number> = {};
  const sendErrors: Record<string, number> = {};
  let framesReceived = 0;
  let socket: Router | undefined;
  let writer: SocketWriter | undefined;
  let reading: Promise<void> | undefined;
  let sweepTimer: TimerHandle | undefined;
  let state: 'new' | 'started' | 'closed' = 'new';
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
  const dispatcher = createDispatcher({
    registry,
    clock,
    logger,
    send,
    onUnreachable: (entry, code) => goOffline(entry, `unreachable: ${code}`),
    onCapacity: notify,
    noHandlerWaitMs: options.noHandlerWaitMs ?? 30_000,
    lostGraceMs: offlineAfterMs,
  });

  function notify(): void {
    lastFree = dispatcher.capacity();
    for (const listener of listeners) listener();
  }

  function drop(reason: string, detail: string, identity?: string): void {
    dropped[reason] = (dropped[reason] ?? 0) + 1;
    logger.debug({ reason, detail, identity }, 'dropped a handler-link frame');
  }

  /** `to`: a handler id, or the raw routing id of a peer that is not (yet) a handler. */
  async function send(to: string | Buffer, message: MasterMessage): Promise<SendOutcome> {
    const encoded = encodeMasterMessage(message, { maxBodyBytes });
    const outcome: SendOutcome = !encoded.ok
      ? { ok: false, code: 'ENCODE', error: `${encoded.reason}: ${encoded.detail}` }
      : writer && state === 'started'
        ? await writer.send([to, ...encoded.frames])
        : { ok: false, code: 'CLOSED', error: 'the link is not running' };
    if (!outcome.ok) sendErrors[outcome.code] = (sendErrors[outcome.code] ?? 0) + 1;
    return outcome;
  }

  function goOffline(entry: HandlerEntry, reason: string): void {
    if (entry.presence === 'offline') return;
    logger.warn({ handlerId: entry.id, reason, activeJobs: entry.active.size }, 'handler offline');
    registry.setPresence(entry, 'offline', nowMs());
    dispatcher.onHandlerGone(entry, reason);
  }

  function cancelUnknown(handlerId: string, jobIds: readonly string[]): void {
    for (const jobId of jobIds) {
      dispatcher.counters.cancelsSent += 1;
      void send(handlerId, { type: 'cancel', jobId, reason: 'unknown_job' });
    }
  }

  function onRegister(identity: string, message: Message<'register'>): void {
    const { type: _type, ...body } = message;
    const { entry, previous } = registry.register(body, clock.now());
    logger.info(
      {
        handlerId: entry.id,
        methods: body.methods,
        zone: body.zone,
        tags: body.tags,
        capacity: body.capacity,
        previous,
      },
      previous === null ? 'handler registered' : 'handler registered again',
    );
    cancelUnknown(identity, dispatcher.reconcile(entry, body.running));
    void send(identity, {
      type: 'registered',
      handlerId: identity,
      heartbeatIntervalMs,
      missedHeartbeats,
      masterId,
    });
    dispatcher.pump();
    notify();
  }

  function onHeartbeat(
    identity: string,
    entry: HandlerEntry | undefined,
    message: Message<'heartbeat'>,
  ): void {
    const known = entry !== undefined && entry.presence !== 'offline';
    if (entry && known) {
      if (message.draining) registry.setPresence(entry, 'draining', nowMs());
      cancelUnknown(identity, dispatcher.reconcile(entry, message.running));
    }
    void send(identity, { type: 'heartbeat_ack', seq: message.seq, known });
  }

  function onDrain(entry: HandlerEntry | undefined, message: Message<'drain'>): void {
    if (!entry || entry.presence === 'offline') return;
    if (message.phase === 'done') {
      goOffline(entry, 'drained');
      return;
    }
    logger.info({ handlerId: entry.id, activeJobs: entry.active.size }, 'handler draining');
    registry.setPresence(entry, 'draining', nowMs());
  }

  /** Decodes one message and routes it; returns why when it is not handled. */
  function handleFrames(frames: Buffer[]): Dropped | undefined {
    framesReceived += 1;
    const [identityFrame, ...rest] = frames;
    if (!identityFrame) return { reason: 'truncated', detail: 'no routing id' };
    const decoded = decodeWorkerMessage(rest, { maxBodyBytes });
    if (!decoded.ok) return { reason: decoded.reason, detail: decoded.detail };
    const message = decoded.message;
    const identity = identityFrame.toString('utf8');
    // The routing id is the handler id: replies are addressed by it, so it must be a valid id.
    if (!idSchema.safeParse(identity).success) {
      const detail = 'routing id is not a handler id';
      return {
        reason: 'identity_mismatch',
        detail,
        refusal: {
          code: 'identity_mismatch',
          refused: message.type,
          message: `${detail}: set the socket's routing id to the handler id before connecting`,
        },
      };
    }
    if (message.type === 'register') {
      if (message.handlerId !== identity) {
        return {
          reason: 'identity_mismatch',
          detail: `register for ${message.handlerId}`,
          identity,
          refusal: {
            code: 'identity_mismatch',
            refused: 'register',
            message: `register names handler "${message.handlerId}" but the routing id is "${identity}": they must be equal`,
          },
        };
      }
      onRegister(identity, message);
      return undefined;
    }
    const entry = registry.get(identity);
    if (entry && entry.presence !== 'offline') entry.lastSeenAt = clock.now();
    if (message.type === 'heartbeat') onHeartbeat(identity, entry, message);
    else if (message.type === 'drain') onDrain(entry, message);
    else if (!entry)
      return {
        reason: 'not_registered',
        detail: 'result from an unknown handler',
        identity,
        refusal: {
          code: 'not_registered',
          refused: message.type,
          message: `no registration for handler "${identity}": register first`,
        },
      };
    else dispatcher.onResult(identity, message);
    return undefined;
  }

  async function readLoop(router: Router): Promise<void> {
    try {
      for await (const frames of router) {
        try {
          const dropped = handleFrames(frames);
          if (dropped) drop(dropped.reason, dropped.detail, dropped.identity);
          // Answered to the routing id it came from, valid handler id or not: silence left a
          // worker written from the docs waiting at "registering" with no clue why.
          const [from] = frames;
          if (dropped?.refusal && from) void send(from, { type: 'error', ...dropped.refusal });
        } catch (error) {
          // A bug in handling one message must not end the loop that serves all handlers.
          drop('internal', toError(error).message);
          logger.error({ err: toError(error) }, 'handler-link message handling failed');
        }
      }
    } catch (error) {
      if (state !== 'closed') logger.error({ err: toError(error) }, 'handler-link reader stopped');
    }
  }

  function sweep(): void {
    sweepTimer = undefined;
    if (state !== 'started') return;
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
      if (state !== 'new') throw new Error('the handler link can be started once');
      // The store first: when it is unreachable, nothing is bound that would need closing.
      const stale = await registry.loadStored();
      if (stale > 0) logger.info({ count: stale }, 'marked handlers of a previous run offline');
      const router = new Router({
        mandatory: true,
        handover: true,
        linger: 0,
        sendTimeout: 0,
        // ZeroMQ cuts a peer sending a frame past this before we read it; below it we count and drop.
        maxMessageSize: maxBodyBytes * 4 + 64 * 1024,
      });
      try {
        await options.configureSocket?.(router);
        await router.bind(options.bind);
      } catch (error) {
        router.close();
        throw error;
      }
      socket = router;
      writer = new SocketWriter(router);
      state = 'started';
      reading = readLoop(router);
      sweepTimer = clock.setTimer(sweep, sweepMs);
      logger.info({ endpoint: router.lastEndpoint, masterId }, 'handler link listening');
    },

    async close() {
      if (state === 'closed') return;
      const wasStarted = state === 'started';
      state = 'closed';
      if (sweepTimer) clock.clearTimer(sweepTimer);
      sweepTimer = undefined;
      dispatcher.close();
      const now = nowMs();
      for (const entry of registry.entries()) registry.setPresence(entry, 'offline', now);
      await registry.idle();
      if (wasStarted && socket) {
        await writer?.idle();
        socket.close();
        await reading;
      }
    },

    capacity: () => (state === 'started' ? dispatcher.capacity() : new Map()),
    place: (job) => (state === 'started' ? dispatcher.place(job) : 'none'),
    run: (job, signal, onStarted) => dispatcher.run(job, signal, onStarted),
    onCapacity(listener) {
      listeners.push(listener);
    },

    stats() {
      const now = nowMs();
      return {
        handlers: registry.countByStatus(now),
        frames: { received: framesReceived, dropped: { ...dropped } },
        sendErrors: { ...sendErrors },
        jobs: {
          ...dispatcher.counters,
          waiting: dispatcher.waitingCount(),
          inflight: dispatcher.inflightCount(),
        },
        throttled: dispatcher.throttled(),
      };
    },
    handlers: () => registry.records(nowMs()),
    endpoint: () => socket?.lastEndpoint ?? null,

    async drainHandler(handlerId, reason = 'requested by master') {
      const entry = registry.get(handlerId);
      if (!entry || statusOf(entry, nowMs()) === 'offline') return false;
      registry.setPresence(entry, 'draining', nowMs());
      return (await send(handlerId, { type: 'drain', reason })).ok;
    },
  };
}

/** A handler's limits: its own entry over the default for every handler, key by key. */
function limitFor(limits: HandlerLimits | undefined, handlerId: string): Limit | undefined {
  const own = limits?.perHandler?.[handlerId];
  if (!limits?.handler && !own) return undefined;
  return { ...limits?.handler, ...own };
}
