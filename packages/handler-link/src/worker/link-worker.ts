// Over 300 lines: the whole conversation of one socket (register, heartbeat, execute, drain) shares its state.
import {
  DEFAULT_LINK_MAX_BODY_BYTES,
  decodeMasterMessage,
  encodeWorkerMessage,
  type MasterMessage,
  type WorkerMessage,
} from '@schedulezero/protocol';
import { ABORT_REASON, silentLogger, toError } from '@schedulezero/scheduler-core';
import type { Dealer } from 'zeromq';
import { type SendOutcome, SocketWriter } from '../socket-writer.ts';
import { type RunningJob, refusalOf, startJob } from './job-runner.ts';
import { createResultOutbox } from './result-outbox.ts';
import { createSlotPool } from './slot-pool.ts';
import { openDealer } from './worker-socket.ts';
import type { LinkWorker, LinkWorkerOptions, LinkWorkerStats } from './worker-types.ts';

/**
 * The worker end of the handler link: a DEALER whose routing id is the handler id. ZeroMQ
 * reconnects TCP by itself; a restarted master has an empty registry, so the worker registers
 * again when its heartbeats go unanswered (`missedHeartbeats` of them) or are answered with
 * `known: false`, backing off between attempts.
 */
export function createLinkWorker(options: LinkWorkerOptions): LinkWorker {
  const logger = options.logger ?? silentLogger;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_LINK_MAX_BODY_BYTES;
  const backoffInitialMs = options.registerBackoff?.initialMs ?? 250;
  const backoffMaxMs = options.registerBackoff?.maxMs ?? 10_000;
  const abortGraceMs = options.abortGraceMs ?? 5_000;
  const running = new Map<string, RunningJob>();
  const slots = options.slots ?? createSlotPool(options.capacity);
  /** What the master is to be told; a worker linked to several masters changes it (`advertise`). */
  let capacity = options.capacity;
  /** What the last registration said: the master holds this once it has answered. */
  let sentCapacity = capacity;
  const framesDropped: Record<string, number> = {};
  const waitingForRegistration: Array<() => void> = [];
  let state: LinkWorkerStats['state'] = 'new';
  let draining: Promise<void> | undefined;
  let socket: Dealer | undefined;
  let writer: SocketWriter | undefined;
  let reading: Promise<void> | undefined;
  let handshakeWatch: { stop(): void } | undefined;
  let registerTimer: NodeJS.Timeout | undefined;
  let heartbeatTimer: NodeJS.Timeout | undefined;
  let backoffMs = backoffInitialMs;
  let heartbeatIntervalMs = 5_000;
  let missedHeartbeats = 3;
  let heartbeatSeq = 0;
  let firstSeqOfRegistration = 0;
  let unanswered = 0;
  let masterId: string | null = null;
  let registrations = 0;
  let completed = 0;
  let rejected = 0;

  async function send(message: WorkerMessage): Promise<SendOutcome> {
    const encoded = encodeWorkerMessage(message, { maxBodyBytes });
    if (!encoded.ok) return { ok: false, code: 'ENCODE', error: `${encoded.reason}: ${encoded.detail}` };
    if (!writer || state === 'closed') return { ok: false, code: 'CLOSED', error: 'worker closed' };
    return writer.send(encoded.frames);
  }

  const outbox = createResultOutbox(send);

  /**
   * Jobs the master will still hear about: running ones, and finished ones whose result has not
   * left yet. Listing the latter keeps a heartbeat that overtakes a delayed result from making the
   * master count that job as lost.
   */
  function runningIds(): string[] {
    return [...new Set([...[...running.values()].map((job) => job.jobId), ...outbox.jobIds()])];
  }

  function enter(next: LinkWorkerStats['state']): void {
    if (state === next) return;
    state = next;
    options.onStateChange?.(next);
  }

  function sendRegister(): void {
    sentCapacity = capacity;
    void send({
      type: 'register',
      handlerId: options.handlerId,
      methods: Object.keys(options.functions),
      zone: options.zone,
      tags: [...(options.tags ?? [])],
      capacity,
      running: runningIds(),
      ...(options.host ? { host: options.host } : {}),
      ...(options.pid !== undefined ? { pid: options.pid } : {}),
    });
  }

  function register(): void {
    registerTimer = undefined;
    if (state !== 'registering') return;
    sendRegister();
    // Jitter keeps a fleet of workers from re-registering in lockstep after a master restart.
    const delay = backoffMs * (0.75 + Math.random() * 0.5);
    backoffMs = Math.min(backoffMaxMs, backoffMs * 2);
    registerTimer = setTimeout(register, delay);
  }

  function beginRegistering(why: string): void {
    if (state === 'closed') return;
    if (state === 'registered') logger.warn({ why }, 'registering with the master again');
    enter('registering');
    if (heartbeatTimer) clearTimeout(heartbeatTimer);
    heartbeatTimer = undefined;
    if (registerTimer) clearTimeout(registerTimer);
    backoffMs = backoffInitialMs;
    register();
  }

  function heartbeat(): void {
    heartbeatTimer = undefined;
    if (state !== 'registered') return;
    if (unanswered >= missedHeartbeats) {
      beginRegistering(`${unanswered} heartbeats unanswered`);
      return;
    }
    unanswered += 1;
    const ids = runningIds();
    void send({
      type: 'heartbeat',
      seq: ++heartbeatSeq,
      activeJobs: running.size,
      running: ids,
      draining: !!draining,
    });
    void outbox.flush();
    heartbeatTimer = setTimeout(heartbeat, heartbeatIntervalMs);
  }

  function reject(jobId: string, attempt: number, code: string, message: string): void {
    rejected += 1;
    outbox.push({ jobId, attempt, durationMs: 0, status: 'rejected', error: { code, message } });
    void outbox.flush();
  }

  function onExecute(message: Extract<MasterMessage, { type: 'execute' }>): void {
    const key = `${message.jobId}#${message.attempt}`;
    if (running.has(key)) return;
    const fn = Object.hasOwn(options.functions, message.task) ? options.functions[message.task] : undefined;
    const refusal = refusalOf(message.task, fn, {
      draining: !!draining,
      free: slots.free(),
    });
    if (refusal || !fn) {
      reject(message.jobId, message.attempt, refusal?.code ?? 'unknown_task', refusal?.text ?? '');
      return;
    }
    const job = startJob(fn, message, { handlerId: options.handlerId, abortGraceMs });
    slots.take();
    running.set(key, job);
    logger.debug({ jobId: message.jobId, task: message.task, attempt: message.attempt }, 'job started');
    void job.done.then((result) => {
      running.delete(key);
      slots.release();
      logger.debug(
        { jobId: result.jobId, status: result.status, durationMs: result.durationMs },
        'job finished',
      );
      completed += 1;
      outbox.push(result);
      void outbox.flush();
    });
  }

  function onMessage(message: MasterMessage): void {
    switch (message.type) {
      case 'registered': {
        if (state === 'closed' || message.handlerId !== options.handlerId) return;
        if (state !== 'registered') {
          registrations += 1;
          if (masterId !== null && masterId !== message.masterId) logger.info({}, 'the master restarted');
          logger.info({ masterId: message.masterId }, 'registered with the master');
        }
        masterId = message.masterId;
        heartbeatIntervalMs = message.heartbeatIntervalMs;
        missedHeartbeats = message.missedHeartbeats;
        if (registerTimer) clearTimeout(registerTimer);
        registerTimer = undefined;
        enter('registered');
        unanswered = 0;
        firstSeqOfRegistration = heartbeatSeq + 1;
        if (!heartbeatTimer) heartbeatTimer = setTimeout(heartbeat, heartbeatIntervalMs);
        // The capacity changed while the registration was on its way.
        if (sentCapacity !== capacity) sendRegister();
        for (const resolve of waitingForRegistration.splice(0)) resolve();
        void outbox.flush();
        return;
      }
      case 'heartbeat_ack':
        // Answers to heartbeats sent before the current registration say nothing about it.
        if (state !== 'registered' || message.seq < firstSeqOfRegistration) return;
        if (message.known) unanswered = 0;
        else beginRegistering('the master does not know this handler');
        return;
      case 'execute':
        onExecute(message);
        return;
      case 'cancel':
        for (const job of running.values()) {
          if (job.jobId === message.jobId)
            job.abort(
              message.reason === ABORT_REASON.timeout ? ABORT_REASON.timeout : ABORT_REASON.cancelled,
            );
        }
        return;
      case 'error':
        // The master refused a message of ours: say so, as nothing else would tell the operator.
        logger.error(
          { code: message.code, refused: message.refused, detail: message.message },
          `the master refused this worker's ${message.refused}: ${message.message}`,
        );
        if (message.code === 'not_registered' && state === 'registered')
          beginRegistering('the master does not know this handler');
        return;
      case 'drain':
        logger.info({ reason: message.reason }, 'the master asked this handler to drain');
        if (options.onDrainRequested) options.onDrainRequested(message.reason);
        else void drain();
        return;
    }
  }

  async function readLoop(dealer: Dealer): Promise<void> {
    try {
      for await (const frames of dealer) {
        const decoded = decodeMasterMessage(frames, { maxBodyBytes });
        if (!decoded.ok) {
          framesDropped[decoded.reason] = (framesDropped[decoded.reason] ?? 0) + 1;
          logger.warn({ reason: decoded.reason, detail: decoded.detail }, 'dropped a frame from the master');
          continue;
        }
        try {
          onMessage(decoded.message);
        } catch (error) {
          logger.error({ err: toError(error) }, 'handling a message from the master failed');
        }
      }
    } catch (error) {
      if (state !== 'closed') logger.error({ err: toError(error) }, 'handler-link reader stopped');
    }
  }

  async function drain(): Promise<void> {
    draining ??= (async () => {
      logger.info({ running: running.size }, 'draining: finishing running jobs, taking no new ones');
      await send({ type: 'drain', phase: 'started' });
      await Promise.all([...running.values()].map((job) => job.done));
      // Results go out as soon as the master is reachable; give up after the flush timeout.
      const giveUpAt = Date.now() + (options.drainFlushTimeoutMs ?? 10_000);
      await outbox.flush();
      while (outbox.size() > 0 && Date.now() < giveUpAt && state !== 'closed') {
        await new Promise((resolve) => setTimeout(resolve, 50));
        await outbox.flush();
      }
      if (outbox.size() > 0) logger.warn({ count: outbox.size() }, 'results not delivered');
      await send({ type: 'drain', phase: 'done' });
      await close();
    })();
    return draining;
  }

  async function close(): Promise<void> {
    if (state === 'closed') return;
    const wasStarted = state !== 'new';
    enter('closed');
    if (registerTimer) clearTimeout(registerTimer);
    if (heartbeatTimer) clearTimeout(heartbeatTimer);
    handshakeWatch?.stop();
    for (const job of running.values()) job.abort(ABORT_REASON.shutdown);
    for (const resolve of waitingForRegistration.splice(0)) resolve();
    if (wasStarted && socket) {
      await writer?.idle();
      socket.close();
      await reading;
    }
  }

  return {
    async start() {
      if (state !== 'new') throw new Error('the worker can be started once');
      const opened = await openDealer(options, logger, maxBodyBytes);
      const dealer = opened.dealer;
      handshakeWatch = opened.handshakeWatch;
      socket = dealer;
      writer = new SocketWriter(dealer);
      reading = readLoop(dealer);
      enter('registering');
      register();
    },
    registered() {
      if (state === 'registered' || state === 'closed') return Promise.resolve();
      return new Promise((resolve) => waitingForRegistration.push(resolve));
    },
    drain,
    close,
    advertise(next) {
      capacity = next;
      // The capacity travels in the registration: registering again is how the master learns it.
      if (state === 'registered' && sentCapacity !== capacity) sendRegister();
    },
    stats: () => ({
      state,
      draining: !!draining,
      masterId,
      registrations,
      running: running.size,
      completed,
      rejected,
      pendingResults: outbox.size(),
      framesDropped: { ...framesDropped },
    }),
  };
}
