import type { Job } from '@schedulezero/protocol';
import type { Placement, ThrottleCounter } from '@schedulezero/scheduler-core';
import { type HandlerEntry, roomOf } from './handler-entry.ts';
import { type AffinityMap, selectHandler } from './select-handler.ts';
import type { Ticket } from './ticket.ts';

/**
 * Free slots per task of handlers that take work now (within their capacity and their limits),
 * minus jobs already waiting for one. A handler held back by its own limit is counted in
 * `throttled`; `rateLimited` says tokens are missing, which only time brings back.
 */
export function freeSlots(
  entries: Iterable<HandlerEntry>,
  waiting: readonly Ticket[],
  nowMs: number,
  throttled: ThrottleCounter,
): { free: Map<string, number>; rateLimited: boolean } {
  const free = new Map<string, number>();
  let rateLimited = false;
  for (const entry of entries) {
    if (entry.presence !== 'online' || !entry.breaker.allows(nowMs)) continue;
    const room = roomOf(entry, nowMs);
    if (room.limit !== 'capacity') {
      throttled.note(entry.id, room.limit);
      rateLimited ||= room.limit === 'rate';
    }
    let slots = room.slots;
    if (entry.breaker.state(nowMs) === 'half_open') slots = Math.min(slots, 1);
    for (const method of entry.methods) free.set(method, (free.get(method) ?? 0) + slots);
  }
  for (const ticket of waiting) {
    const slots = free.get(ticket.job.task);
    if (slots !== undefined) free.set(ticket.job.task, Math.max(0, slots - 1));
  }
  return { free, rateLimited };
}

/** Whether an eligible handler could take the job now (see `Executor.place`). */
export function placeJob(
  entries: Iterable<HandlerEntry>,
  job: Job,
  nowMs: number,
  affinity: AffinityMap,
): Placement {
  const selection = selectHandler(entries, job, { nowMs, excluded: new Set(), affinity });
  return selection.kind === 'handler' ? 'now' : selection.kind;
}

/** Milliseconds until each online handler has a token again (0 for those not waiting for one). */
export function* msUntilTokens(entries: Iterable<HandlerEntry>, nowMs: number): Generator<number> {
  for (const entry of entries) yield entry.presence === 'online' ? entry.limit.msUntilToken(nowMs) : 0;
}
