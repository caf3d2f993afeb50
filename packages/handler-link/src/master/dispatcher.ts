import type { Job, JobError, MasterMessage, ResultBody } from '@schedulezero/protocol';
import {
  ABORT_REASON,
  type Clock,
  createRefillAlarm,
  createThrottleCounter,
  duplicateAttemptError,
  type ExecutionResult,
  handlerForgotJobError,
  handlerWentOfflineError,
  invalidArgsError,
  type Logger,
  linkClosedError,
  noHealthyHandlerError,
  type Placement,
} from '@schedulezero/scheduler-core';
import type { SendOutcome } from '../socket-writer.ts';
import { type DispatcherCounters, type HandlerThrottled, zeroCounters } from './dispatch-counters.ts';
import { freeSlots, msUntilTokens, placeJob } from './handler-capacity.ts';
import { type HandlerEntry, recordDuration } from './handler-entry.ts';
import type { Registry } from './registry.ts';
import { AffinityMap, selectHandler } from './select-handler.ts';
import { abortOutcome, executeMessage, newTicket, resultOutcome, type Ticket, ticketKey } from './ticket.ts';
import { TicketBook } from './ticket-book.ts';

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

export interface DispatcherStats extends DispatcherCounters {
  waiting: number;
  inflight: number;
}

export type Dispatcher = ReturnType<typeof createDispatcher>;

/**
 * The remote executor behind the handler link: it owns the attempts (`run()` tickets), picks a
 * handler for each, sends it, and settles the attempt from the handler's result or its loss. It
 * alone counts what became of them (`stats()`).
 */
export function createDispatcher(options: DispatcherOptions) {
  const { registry, clock, logger } = options;
  const book = new TicketBook(clock, registry);
  const affinity = new AffinityMap();
  const counters = zeroCounters();
  const throttled = createThrottleCounter();
  // A handler out of tokens frees up with time, not with a result: wake the waiting jobs and the
  // run loop when the first such handler has a token again.
  const refill = createRefillAlarm(clock, () => {
    pump();
    options.onCapacity();
  });
  let pickSeq = 0;
  let closed = false;

  const nowMs = () => clock.now().getTime();
  const select = (ticket: Ticket) =>
    selectHandler(registry.entries(), ticket.job, { nowMs: nowMs(), excluded: ticket.excluded, affinity });

  function armRefill(now: number): void {
    if (!closed) refill.arm(msUntilTokens(registry.entries(), now));
  }

  function pump(): void {
    if (closed) return;
    for (const ticket of book.waiting()) {
      const selection = select(ticket);
      if (selection.kind === 'handler') dispatch(ticket, selection.entry);
      else if (selection.kind === 'busy') book.clearWait(ticket);
      else if (!ticket.waitTimer) armNoHandler(ticket);
    }
    if (book.waitingCount() > 0) armRefill(nowMs());
  }

  function armNoHandler(ticket: Ticket): void {
    ticket.waitTimer = clock.setTimer(() => {
      ticket.waitTimer = undefined;
      if (ticket.state !== 'waiting' || ticket.settled) return;
      if (select(ticket).kind !== 'none') return pump();
      book.forget(ticket);
      counters.noHandler += 1;
      book.settle(ticket, {
        status: 'failed',
        error: noHealthyHandlerError(ticket.job, options.noHandlerWaitMs),
      });
    }, options.noHandlerWaitMs);
  }

  function dispatch(ticket: Ticket, entry: HandlerEntry): void {
    book.unqueue(ticket);
    book.clearWait(ticket);
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
    void options.send(entry.id, executeMessage(job, now)).then((outcome) => {
      if (outcome.ok || ticket.state !== 'inflight' || ticket.handlerId !== entry.id) return;
      book.release(ticket);
      if (outcome.code === 'ENCODE') {
        book.forget(ticket);
        book.settle(ticket, { status: 'failed', error: invalidArgsError(String(outcome.error)) });
        return;
      }
      logger.warn(
        { handlerId: entry.id, jobId: job.id, code: outcome.code },
        'could not send a job to its handler',
      );
      book.requeue(ticket, entry.id);
      if (outcome.code === 'EHOSTUNREACH') options.onUnreachable(entry, outcome.code);
      pump();
    });
  }

  function cancel(handlerId: string, jobId: string, reason: string): void {
    counters.cancelsSent += 1;
    void options.send(handlerId, { type: 'cancel', jobId, reason });
  }

  function onAbort(ticket: Ticket, reason: unknown): void {
    const result = abortOutcome(reason);
    if (ticket.state === 'waiting') {
      book.forget(ticket);
      book.settle(ticket, result);
      return;
    }
    const handlerId = ticket.handlerId ?? undefined;
    ticket.cancelReason = reason === ABORT_REASON.timeout ? ABORT_REASON.timeout : ABORT_REASON.cancelled;
    if (handlerId) cancel(handlerId, ticket.job.id, ticket.cancelReason);
    // The slot stays taken until the handler answers: the function may still be running there.
    book.settle(ticket, { ...result, ...(handlerId ? { handlerId } : {}) });
  }

  function lose(ticket: Ticket, error: JobError): void {
    book.release(ticket);
    book.forget(ticket);
    if (!ticket.settled) counters.handlerLost += 1;
    book.settle(ticket, {
      status: 'failed',
      error,
      ...(ticket.handlerId ? { handlerId: ticket.handlerId } : {}),
    });
  }

  return {
    pump,

    stats(): DispatcherStats {
      return { ...counters, waiting: book.waitingCount(), inflight: book.inflightCount() };
    },

    throttled(): HandlerThrottled[] {
      return throttled.counts().map(({ subject, limit, count }) => ({ handlerId: subject, limit, count }));
    },

    place: (job: Job): Placement => placeJob(registry.entries(), job, nowMs(), affinity),

    run(job: Job, signal: AbortSignal, onStarted?: (handlerId: string) => void): Promise<ExecutionResult> {
      return new Promise<ExecutionResult>((resolve) => {
        const key = ticketKey(job.id, job.attempt);
        if (closed) return resolve({ status: 'failed', error: linkClosedError('before') });
        if (book.has(key)) return resolve({ status: 'failed', error: duplicateAttemptError(key) });
        const ticket = newTicket(job, resolve, onStarted);
        if (signal.aborted) return onAbort(ticket, signal.reason);
        const listener = () => onAbort(ticket, signal.reason);
        signal.addEventListener('abort', listener, { once: true });
        ticket.detach = () => signal.removeEventListener('abort', listener);
        book.add(ticket);
        pump();
      });
    },

    /** See `freeSlots`; a handler short of tokens arms the refill wake-up. */
    capacity(): Map<string, number> {
      const now = nowMs();
      const { free, rateLimited } = freeSlots(registry.entries(), book.waiting(), now, throttled);
      if (rateLimited) armRefill(now);
      return free;
    },

    onResult(handlerId: string, body: ResultBody): void {
      const ticket = book.get(ticketKey(body.jobId, body.attempt));
      if (ticket?.state !== 'inflight' || ticket.handlerId !== handlerId) {
        counters.staleResults += 1;
        return;
      }
      const trial = ticket.trial;
      const entry = book.release(ticket);
      if (body.status === 'rejected') {
        counters.rejected += 1;
        logger.info(
          { handlerId, jobId: body.jobId, error: body.error },
          'handler rejected a job; sending it elsewhere',
        );
        book.requeue(ticket, handlerId);
        pump();
        options.onCapacity();
        return;
      }
      book.forget(ticket);
      const outcome = resultOutcome(body, handlerId);
      if (entry) {
        if (outcome.status === 'succeeded') entry.successCount += 1;
        else entry.failureCount += 1;
        recordDuration(entry, body.durationMs);
        // A cancel we asked for (shutdown, not timeout) says nothing about the handler's health.
        const ourCancel = outcome.status === 'cancelled' && ticket.cancelReason !== ABORT_REASON.timeout;
        if (!ourCancel) entry.breaker.record(outcome.status === 'succeeded', trial, nowMs());
      }
      if (!ticket.settled) {
        const key = outcome.status === 'timed_out' ? 'timedOut' : outcome.status;
        counters[key] += 1;
      }
      book.settle(ticket, outcome);
      pump();
      options.onCapacity();
    },

    /** Every attempt in flight on a handler that went away fails with `handler_lost`. */
    onHandlerGone(entry: HandlerEntry, reason: string): void {
      for (const key of [...entry.active]) {
        const ticket = book.get(key);
        if (ticket) lose(ticket, handlerWentOfflineError(entry.id, reason));
        else entry.active.delete(key);
      }
      pump();
    },

    /**
     * A handler told us what it runs (heartbeat, registration). Our attempts it does not list
     * past the grace are lost (an execute or result went missing). Jobs it runs that we did not
     * give it (from before a master restart) are cancelled.
     */
    reconcile(entry: HandlerEntry, running: readonly string[]): void {
      const listed = new Set(running);
      const ours = new Set<string>();
      const now = nowMs();
      for (const key of [...entry.active]) {
        const ticket = book.get(key);
        if (!ticket) {
          entry.active.delete(key);
          continue;
        }
        ours.add(ticket.job.id);
        if (!listed.has(ticket.job.id) && now - ticket.dispatchedAtMs > options.lostGraceMs) {
          lose(ticket, handlerForgotJobError(entry.id));
        }
      }
      for (const jobId of running) if (!ours.has(jobId)) cancel(entry.id, jobId, 'unknown_job');
    },

    /** The link is closing: every open `run()` ends as interrupted. */
    close(): void {
      closed = true;
      refill.close();
      for (const ticket of book.all()) {
        book.release(ticket);
        book.settle(ticket, { status: 'failed', error: linkClosedError('during') });
      }
      book.clear();
    },
  };
}
