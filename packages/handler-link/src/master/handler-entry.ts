import type { HandlerRecord, HandlerStatus, RegisterBody } from '@schedulezero/protocol';
import { createLimitGate, type Limit, type LimitGate, type LimitKind } from '@schedulezero/scheduler-core';
import { type CircuitBreaker, type CircuitBreakerOptions, createCircuitBreaker } from './circuit-breaker.ts';

/** Whether the worker is there and taking work; health (the breaker) is kept apart. */
export type Presence = 'online' | 'draining' | 'offline';

/** The registry's live view of one handler; `HandlerRecord` is its persisted projection. */
export interface HandlerEntry {
  id: string;
  methods: Set<string>;
  zone: string;
  tags: Set<string>;
  capacity: number;
  presence: Presence;
  registeredAt: Date;
  lastSeenAt: Date;
  /** Keys (`jobId#attempt`) of the attempts sent to it and not yet answered. */
  active: Set<string>;
  successCount: number;
  failureCount: number;
  avgDurationMs: number | null;
  breaker: CircuitBreaker;
  /** Its governor limits (`governors.handler`, `governors.perHandler`), on top of its capacity. */
  limit: LimitGate;
  /** Dispatch sequence number of its last job: the round-robin order among equally loaded handlers. */
  lastPick: number;
  /** The status last written to the store, to persist transitions once. */
  persistedStatus: HandlerStatus | null;
  /** Counters changed since the last write. */
  dirty: boolean;
}

export interface EntryOptions {
  breaker: CircuitBreakerOptions;
  limit?: Limit | undefined;
}

export function createEntry(
  body: RegisterBody,
  now: Date,
  options: EntryOptions,
  previous?: HandlerEntry,
): HandlerEntry {
  return {
    id: body.handlerId,
    methods: new Set(body.methods),
    zone: body.zone,
    tags: new Set(body.tags),
    capacity: body.capacity,
    presence: 'online',
    registeredAt: now,
    lastSeenAt: now,
    active: previous?.active ?? new Set(),
    // Counters and health survive a re-registration of the same id within one master run.
    successCount: previous?.successCount ?? 0,
    failureCount: previous?.failureCount ?? 0,
    avgDurationMs: previous?.avgDurationMs ?? null,
    breaker: previous?.breaker ?? createCircuitBreaker(options.breaker),
    // A handler that reconnects keeps its bucket: a re-registration buys no fresh burst.
    limit: previous?.limit ?? createLimitGate(options.limit, now.getTime()),
    lastPick: previous?.lastPick ?? 0,
    persistedStatus: previous?.persistedStatus ?? null,
    dirty: true,
  };
}

/** Jobs it can start now: its free capacity within its limits, and what binds (`capacity` when no limit does). */
export function roomOf(entry: HandlerEntry, nowMs: number): { slots: number; limit: LimitKind | 'capacity' } {
  const active = entry.active.size;
  const free = entry.capacity - active;
  const limited = entry.limit.room(active, nowMs);
  return limited.slots < free
    ? { slots: Math.max(0, limited.slots), limit: limited.limit }
    : { slots: Math.max(0, free), limit: 'capacity' };
}

/** The most it runs at once: its capacity, or its concurrency limit when that is lower. */
export function maxConcurrent(entry: HandlerEntry): number {
  return Math.min(entry.capacity, entry.limit.concurrency ?? Number.POSITIVE_INFINITY);
}

export function statusOf(entry: HandlerEntry, nowMs: number): HandlerStatus {
  if (entry.presence !== 'online') return entry.presence;
  return entry.breaker.state(nowMs) === 'closed' ? 'healthy' : 'unhealthy';
}

export function recordDuration(entry: HandlerEntry, durationMs: number): void {
  const count = entry.successCount + entry.failureCount;
  const previous = entry.avgDurationMs ?? 0;
  entry.avgDurationMs = count <= 1 ? durationMs : previous + (durationMs - previous) / count;
}

export function toRecord(entry: HandlerEntry, nowMs: number): HandlerRecord {
  return {
    id: entry.id,
    methods: [...entry.methods].sort(),
    zone: entry.zone,
    tags: [...entry.tags].sort(),
    capacity: entry.capacity,
    status: statusOf(entry, nowMs),
    lastSeenAt: entry.lastSeenAt,
    activeJobs: entry.active.size,
    successCount: entry.successCount,
    failureCount: entry.failureCount,
    avgDurationMs: entry.avgDurationMs === null ? null : Math.round(entry.avgDurationMs * 100) / 100,
    registeredAt: entry.registeredAt,
  };
}
