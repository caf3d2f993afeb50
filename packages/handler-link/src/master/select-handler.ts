import type { Target } from '@schedulezero/protocol';
import { matchesTarget } from '@schedulezero/scheduler-core';
import { type HandlerEntry, maxConcurrent, roomOf } from './handler-entry.ts';

export type Selection = { kind: 'handler'; entry: HandlerEntry } | { kind: 'busy' } | { kind: 'none' };

export interface SelectContext {
  nowMs: number;
  /** Handlers this attempt must avoid (they rejected it or could not be reached). */
  excluded: ReadonlySet<string>;
  affinity: AffinityMap;
}

/**
 * Picks the handler for one job: among online handlers that offer the task, match the target's
 * zone and tags and whose breaker lets work through, the least loaded (active / the most it runs
 * at once) with room — a free slot within its capacity and its governor limits, so a handler at
 * its limit is passed over for the others — round-robin among equals; a half-open handler's trial job goes before them. An
 * affinity key stays on its handler while that handler is eligible, waiting for a slot there
 * rather than moving.
 * `busy`: eligible handlers exist but are full (wait). `none`: no eligible handler at all.
 */
export function selectHandler(
  entries: Iterable<HandlerEntry>,
  job: { task: string; target: Target },
  context: SelectContext,
): Selection {
  const candidates: HandlerEntry[] = [];
  for (const entry of entries) {
    if (context.excluded.has(entry.id) || !isEligible(entry, job)) continue;
    if (entry.breaker.allows(context.nowMs)) candidates.push(entry);
  }
  if (candidates.length === 0) return { kind: 'none' };

  const key = job.target.affinityKey;
  const pinned = key === undefined ? undefined : context.affinity.get(key);
  const pinnedEntry = pinned === undefined ? undefined : candidates.find((entry) => entry.id === pinned);
  if (pinnedEntry)
    return hasRoom(pinnedEntry, context.nowMs) ? { kind: 'handler', entry: pinnedEntry } : { kind: 'busy' };

  let best: HandlerEntry | undefined;
  for (const entry of candidates) {
    if (!hasRoom(entry, context.nowMs)) continue;
    // A half-open handler's single trial goes first, or it might wait long for its turn to recover.
    if (entry.breaker.state(context.nowMs) === 'half_open') {
      best = entry;
      break;
    }
    if (!best || lessLoaded(entry, best)) best = entry;
  }
  if (!best) return { kind: 'busy' };
  if (key !== undefined) context.affinity.set(key, best.id);
  return { kind: 'handler', entry: best };
}

/** Online, offers the task, in the target's zone and carrying all its tags. Health is checked apart. */
export function isEligible(entry: HandlerEntry, job: { task: string; target: Target }): boolean {
  if (entry.presence !== 'online' || !entry.methods.has(job.task)) return false;
  return matchesTarget(job, entry.zone, entry.tags);
}

function hasRoom(entry: HandlerEntry, nowMs: number): boolean {
  return roomOf(entry, nowMs).slots > 0;
}

function lessLoaded(a: HandlerEntry, b: HandlerEntry): boolean {
  // Compare active/max without floating point: a.active * b.max vs b.active * a.max.
  const left = a.active.size * maxConcurrent(b);
  const right = b.active.size * maxConcurrent(a);
  if (left !== right) return left < right;
  return a.lastPick < b.lastPick || (a.lastPick === b.lastPick && a.id < b.id);
}

/** Affinity key -> handler id, bounded: the least recently used key is forgotten first. */
export class AffinityMap {
  readonly #map = new Map<string, string>();
  readonly #max: number;

  constructor(max = 10_000) {
    this.#max = max;
  }

  get(key: string): string | undefined {
    const value = this.#map.get(key);
    if (value !== undefined) {
      this.#map.delete(key);
      this.#map.set(key, value);
    }
    return value;
  }

  set(key: string, handlerId: string): void {
    this.#map.delete(key);
    this.#map.set(key, handlerId);
    if (this.#map.size > this.#max) {
      const oldest = this.#map.keys().next();
      if (!oldest.done) this.#map.delete(oldest.value);
    }
  }

  get size(): number {
    return this.#map.size;
  }
}
