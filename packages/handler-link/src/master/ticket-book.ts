import type { Clock, ExecutionResult } from '@schedulezero/scheduler-core';
import type { HandlerEntry } from './handler-entry.ts';
import type { Registry } from './registry.ts';
import type { Ticket } from './ticket.ts';

/**
 * The dispatcher's open attempts: every ticket by key, and the ones waiting for a handler in
 * arrival order. It keeps the two and the handlers' slots consistent as a ticket moves between
 * waiting, in flight and settled; the dispatcher decides when it moves.
 */
export class TicketBook {
  readonly #tickets = new Map<string, Ticket>();
  readonly #waiting: Ticket[] = [];
  readonly #clock: Clock;
  readonly #registry: Registry;

  constructor(clock: Clock, registry: Registry) {
    this.#clock = clock;
    this.#registry = registry;
  }

  get(key: string): Ticket | undefined {
    return this.#tickets.get(key);
  }

  has(key: string): boolean {
    return this.#tickets.has(key);
  }

  /** A new ticket joins the end of the waiting line. */
  add(ticket: Ticket): void {
    this.#tickets.set(ticket.key, ticket);
    this.#waiting.push(ticket);
  }

  /** The waiting tickets, oldest first (a copy: dispatching one changes the line). */
  waiting(): Ticket[] {
    return [...this.#waiting];
  }

  waitingCount(): number {
    return this.#waiting.length;
  }

  inflightCount(): number {
    return this.#tickets.size - this.#waiting.length;
  }

  all(): IterableIterator<Ticket> {
    return this.#tickets.values();
  }

  unqueue(ticket: Ticket): void {
    const index = this.#waiting.indexOf(ticket);
    if (index >= 0) this.#waiting.splice(index, 1);
  }

  /** The ticket is done with: out of the line and the book. */
  forget(ticket: Ticket): void {
    this.unqueue(ticket);
    this.#tickets.delete(ticket.key);
  }

  /** Resolves `run()` once; the ticket may stay in the book while its handler still runs it. */
  settle(ticket: Ticket, result: ExecutionResult): void {
    if (ticket.settled) return;
    ticket.settled = true;
    ticket.detach();
    this.clearWait(ticket);
    ticket.resolve(result);
  }

  clearWait(ticket: Ticket): void {
    if (ticket.waitTimer) this.#clock.clearTimer(ticket.waitTimer);
    ticket.waitTimer = undefined;
  }

  /** Ends an attempt that is in flight: frees its slot on the handler. */
  release(ticket: Ticket): HandlerEntry | undefined {
    const entry = ticket.handlerId === null ? undefined : this.#registry.get(ticket.handlerId);
    if (entry) {
      entry.active.delete(ticket.key);
      entry.dirty = true;
      if (ticket.trial) entry.breaker.releaseTrial();
    }
    ticket.trial = false;
    return entry;
  }

  /** Back in line for another handler than `avoid`, unless `run()` already resolved. */
  requeue(ticket: Ticket, avoid: string): void {
    ticket.excluded.add(avoid);
    ticket.state = 'waiting';
    ticket.handlerId = null;
    if (ticket.settled) this.#tickets.delete(ticket.key);
    else this.#waiting.push(ticket);
  }

  clear(): void {
    this.#tickets.clear();
    this.#waiting.length = 0;
  }
}
