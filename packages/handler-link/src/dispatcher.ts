import type { Job, MasterMessage, ResultBody } from '@schedulezero/protocol';
import type {
  Clock,
  ExecutionResult,
  LimitKind,
  Logger,
  Placement,
  TimerHandle,
} from '@schedulezero/scheduler-core';
import { type HandlerEntry, recordDuration, roomOf } from './handler-entry.ts';
import type { Registry } from './registry.ts';
import { AffinityMap, selectHandler } from './select-handler.ts';
import type { SendOutcome } from './socket-writer.ts';
import {
  abortOutcome,
  executeMessage,
  newTicket,
  noHandlerOutcome,
  resultOutcome,
  type Ticket,
} from './ticket.ts';

export interface DispatcherCounters {
  dispatched: number;
  succeeded: number;
  failed: number;
  timedOut: number;
  cancelled: number;
  rejected: number;
  staleResults: number;
  handlerLost: number;
  noHandler: number;
  cancelsSent: number;
}

/** How often a handler's own limit held back work it had the capacity for. */
export interface HandlerThrottled {
  handlerId: string;
  limit: LimitKind;
  count: number;
}

export interface DispatcherOptions {
  registry: Registry;
  clock: Clock;
  logger: Logger;
  send: (handlerId: string, message: MasterMessage) => Promise<SendOutcome>;
  /** A handler could not be reached (EHOSTUNREACH): it is gone. */
  onUnreachable: (entry: HandlerEntry, code: string) => void;
  /** A slot freed or a handler appeared. */
  onCapacity: () => void;
  /** How long a job waits when no handler could ever take it before failing with `no_handler`. */
  noHandlerWaitMs: number;
  /** An attempt the handler does not list as running after this long counts as lost. */
  lostGraceMs: number;
}

export type Dispatcher = ReturnType<typeof createDispatcher>;

export function createDispatcher(options: DispatcherOptions) {
  const { registry, clock, logger } = options;
  const tickets = new Map<string, Ticket>();
  const waiting: Ticket[] = [];
  const affinity = new AffinityMap();
  const counters: DispatcherCounters = {
    dispatched: 0,
    succeeded: 0,
    failed: 0,
    timedOut: 0,
    cancelled: 0,
    rejected: 0,
    staleResults: 0,
    handlerLost: 0,
    noHandler: 0,
    cancelsSent: 0,
  };
  const throttled = new Map<string, number>();
  let refillTimer: TimerHandle | undefined;
  let pickSeq = 0;
  let closed = false;

  const nowMs = () => clock.now().getTime();

  function settle(ticket: Ticket, result: ExecutionResult): void {
    if (ticket.settled) return;
    ticket.settled = true;
    ticket.detach();
    clearWait(ticket);
    ticket.resolve(result);
  }

  function clearWait(ticket: Ticket): void {
    if (ticket.waitTimer) clock.clearTimer(ticket.waitTimer);
    ticket.waitTimer = undefined;
  }

  function unqueue(ticket: Ticket): void {
    const index = waiting.indexOf(ticket);
    if (index >= 0) waiting.splice(index, 1);
  }

  /** Ends an attempt that is in flight: frees its slot on the handler. */
  function release(ticket: Ticket): HandlerEntry | undefined {
    const entry = ticket.handlerId === null ? undefined : registry.get(ticket.handlerId);
    if (entry) {
      entry.active.delete(ticket.key);
      entry.dirty = true;
      if (ticket.trial) entry.breaker.releaseTrial();
    }
    ticket.trial = false;
    return entry;
  }

  function requeue(ticket: Ticket, avoid: string): void {
    ticket.excluded.add(avoid);
    ticket.state = 'waiting';
    ticket.handlerId = null;
    if (ticket.settled) tickets.delete(ticket.key);
    else waiting.push(ticket);
  }

  function pump(): void {
    if (closed) return;
    for (const ticket of [...waiting]) {
      const selection = selectHandler(registry.entries(), ticket.job, {
        nowMs: nowMs(),
        excluded: ticket.excluded,
        affinity,
      });
      if (selection.kind === 'handler') dispatch(ticket, selection.entry);
      else if (selection.kind === 'busy') clearWait(ticket);
      else if (!ticket.waitTimer) armNoHandler(ticket);
    }
    if (waiting.length > 0) armRefill(nowMs());
  }

  /**
   * A handler out of tokens frees up with time, not with a result: wake the waiting jobs and the
   * run loop when the first such handler has a token again.
   */
  function armRefill(now: number): void {
    if (refillTimer || closed) return;
    let waitMs = Number.POSITIVE_INFINITY;
    for (const entry of registry.entries()) {
      const ms = entry.presence === 'online' ? entry.limit.msUntilToken(now) : 0;
      if (ms > 0) waitMs = Math.min(waitMs, ms);
    }
    if (waitMs === Number.POSITIVE_INFINITY) return;
    refillTimer = clock.setTimer(() => {
      refillTimer = undefined;
      pump();
      options.onCapacity();
    }, waitMs);
  }

  function armNoHandler(ticket: Ticket): void {
    ticket.waitTimer = clock.setTimer(() => {
      ticket.waitTimer = undefined;
      if (ticket.state !== 'waiting' || ticket.settled) return;
      const selection = selectHandler(registry.entries(), ticket.job, {
        nowMs: nowMs(),
        excluded: ticket.excluded,
        affinity,
      });
      if (selection.kind !== 'none') return pump();
      unqueue(ticket);
      tickets.delete(ticket.key);
      counters.noHandler += 1;
      settle(ticket, noHandlerOutcome(ticket.job, options.noHandlerWaitMs));
    }, options.noHandlerWaitMs);
  }

  function dispatch(ticket: Ticket, entry: HandlerEntry): void {
    unqueue(ticket);
    clearWait(ticket);
    const now = nowMs();
    ticket.state = 'inflight';
    ticket.handlerId = entry.id;
    ticket.dispatchedAtMs = now;
    ticket.trial = entry.breaker.onDispatch(now);
    entry.limit.take(now);
    entry.active.add(ticket.key);
    entry.lastPick = ++pickSeq;
    entry.dirty = true;
    counters.dispatched += 1;
    ticket.onStarted(entry.id);
    const { job } = ticket;
    const message = executeMessage(job, now);
    void options.send(entry.id, message).then((outcome) => {
      if (outcome.ok || ticket.state !== 'inflight' || ticket.handlerId !== entry.id) return;
      release(ticket);
      if (outcome.code === 'ENCODE') {
        tickets.delete(ticket.key);
        settle(ticket, { status: 'failed', error: { code: 'invalid_args', message: String(outcome.error) } });
        return;
      }
      logger.warn(
        { handlerId: entry.id, jobId: job.id, code: outcome.code },
        'could not send a job to its handler',
      );
      requeue(ticket, entry.id);
      if (outcome.code === 'EHOSTUNREACH') options.onUnreachable(entry, outcome.code);
      pump();
    });
  }

  function onAbort(ticket: Ticket, reason: unknown): void {
    const result = abortOutcome(reason);
    if (ticket.state === 'waiting') {
      unqueue(ticket);
      tickets.delete(ticket.key);
      settle(ticket, result);
      return;
    }
    const handlerId = ticket.handlerId ?? undefined;
    ticket.cancelReason = reason === 'timeout' ? 'timeout' : 'cancelled';
    if (handlerId) {
      counters.cancelsSent += 1;
      void options.send(handlerId, { type: 'cancel', jobId: ticket.job.id, reason: ticket.cancelReason });
    }
    // The slot stays taken until the handler answers: the function may still be running there.
    settle(ticket, { ...result, ...(handlerId ? { handlerId } : {}) });
  }

  function lose(ticket: Ticket, message: string): void {
    release(ticket);
    tickets.delete(ticket.key);
    if (!ticket.settled) counters.handlerLost += 1;
    settle(ticket, {
      status: 'failed',
      error: { code: 'handler_lost', message },
      ...(ticket.handlerId ? { handlerId: ticket.handlerId } : {}),
    });
  }

  return {
    counters,
    pump,
    waitingCount: () => waiting.length,
    inflightCount: () => tickets.size - waiting.length,

    /** Whether an eligible handler could take the job now (see `Executor.place`). */
    place(job: Job): Placement {
      const selection = selectHandler(registry.entries(), job, {
        nowMs: nowMs(),
        excluded: new Set(),
        affinity,
      });
      return selection.kind === 'handler' ? 'now' : selection.kind;
    },

    run(job: Job, signal: AbortSignal, onStarted?: (handlerId: string) => void): Promise<ExecutionResult> {
      return new Promise<ExecutionResult>((resolve) => {
        const key = `${job.id}#${job.attempt}`;
        if (closed) {
          resolve({
            status: 'failed',
            error: { code: 'interrupted', message: 'the handler link is closed' },
          });
          return;
        }
        if (tickets.has(key)) {
          resolve({
            status: 'failed',
            error: { code: 'duplicate', message: `attempt ${key} is already running` },
          });
          return;
        }
        const ticket = newTicket(job, resolve, onStarted);
        if (signal.aborted) {
          onAbort(ticket, signal.reason);
          return;
        }
        const listener = () => onAbort(ticket, signal.reason);
        signal.addEventListener('abort', listener, { once: true });
        ticket.detach = () => signal.removeEventListener('abort', listener);
        tickets.set(key, ticket);
        waiting.push(ticket);
        pump();
      });
    },

    /**
     * Free slots per task of handlers that take work now (within their capacity and their
     * limits), minus jobs already waiting for one.
     */
    capacity(): Map<string, number> {
      const now = nowMs();
      const free = new Map<string, number>();
      let rateLimited = false;
      for (const entry of registry.entries()) {
        if (entry.presence !== 'online' || !entry.breaker.allows(now)) continue;
        const room = roomOf(entry, now);
        if (room.limit !== 'capacity') {
          const key = `${entry.id}\u0000${room.limit}`;
          throttled.set(key, (throttled.get(key) ?? 0) + 1);
          rateLimited ||= room.limit === 'rate';
        }
        let slots = room.slots;
        if (entry.breaker.state(now) === 'half_open') slots = Math.min(slots, 1);
        for (const method of entry.methods) free.set(method, (free.get(method) ?? 0) + slots);
      }
      for (const ticket of waiting) {
        const slots = free.get(ticket.job.task);
        if (slots !== undefined) free.set(ticket.job.task, Math.max(0, slots - 1));
      }
      if (rateLimited) armRefill(now);
      return free;
    },

    throttled(): HandlerThrottled[] {
      return [...throttled].map(([key, count]) => {
        const [handlerId = '', limit] = key.split('\u0000');
        return { handlerId, limit: limit as LimitKind, count };
      });
    },

    onResult(handlerId: string, body: ResultBody): void {
      const ticket = tickets.get(`${body.jobId}#${body.attempt}`);
      if (ticket?.state !== 'inflight' || ticket.handlerId !== handlerId) {
        counters.staleResults += 1;
        return;
      }
      const trial = ticket.trial;
      const entry = release(ticket);
      if (body.status === 'rejected') {
        counters.rejected += 1;
        logger.info(
          { handlerId, jobId: body.jobId, error: body.error },
          'handler rejected a job; sending it elsewhere',
        );
        requeue(ticket, handlerId);
        pump();
        options.onCapacity();
        return;
      }
      tickets.delete(ticket.key);
      const outcome = resultOutcome(body, handlerId);
      if (entry) {
        if (outcome.status === 'succeeded') entry.successCount += 1;
        else entry.failureCount += 1;
        recordDuration(entry, body.durationMs);
        // A cancel we asked for (shutdown, not timeout) says nothing about the handler's health.
        const ourCancel = outcome.status === 'cancelled' && ticket.cancelReason !== 'timeout';
        if (!ourCancel) entry.breaker.record(outcome.status === 'succeeded', trial, nowMs());
      }
      if (!ticket.settled) {
        const key = outcome.status === 'timed_out' ? 'timedOut' : outcome.status;
        counters[key] += 1;
      }
      settle(ticket, outcome);
      pump();
      options.onCapacity();
    },

    /** Every attempt in flight on a handler that went away fails with `handler_lost`. */
    onHandlerGone(entry: HandlerEntry, reason: string): void {
      for (const key of [...entry.active]) {
        const ticket = tickets.get(key);
        if (ticket) lose(ticket, `handler ${entry.id} went offline (${reason}) during the run`);
        else entry.active.delete(key);
      }
      pump();
    },

    /**
     * A handler told us what it runs (heartbeat, registration). Our attempts it does not list
     * past the grace are lost (an execute or result went missing). Returns job ids it runs that
     * we did not give it (from before a master restart): the caller cancels them.
     */
    reconcile(entry: HandlerEntry, running: readonly string[]): string[] {
      const listed = new Set(running);
      const ours = new Set<string>();
      const now = nowMs();
      for (const key of [...entry.active]) {
        const ticket = tickets.get(key);
        if (!ticket) {
          entry.active.delete(key);
          continue;
        }
        ours.add(ticket.job.id);
        if (!listed.has(ticket.job.id) && now - ticket.dispatchedAtMs > options.lostGraceMs) {
          lose(ticket, `handler ${entry.id} does not run the job (its execute or result was lost)`);
        }
      }
      return running.filter((jobId) => !ours.has(jobId));
    },

    /** The link is closing: every open `run()` ends as interrupted. */
    close(): void {
      closed = true;
      if (refillTimer) clock.clearTimer(refillTimer);
      refillTimer = undefined;
      for (const ticket of tickets.values()) {
        release(ticket);
        settle(ticket, {
          status: 'failed',
          error: { code: 'interrupted', message: 'the handler link closed' },
        });
      }
      tickets.clear();
      waiting.length = 0;
    },
  };
}
