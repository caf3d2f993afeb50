import type { HandlerRecord, HandlerStatus, RegisterBody } from '@schedulezero/protocol';
import { HANDLER_STATUSES } from '@schedulezero/protocol';
import type { HandlerStore, Limit, Logger } from '@schedulezero/scheduler-core';
import { toError } from '@schedulezero/scheduler-core';
import type { CircuitBreakerOptions } from './circuit-breaker.ts';
import { createEntry, type HandlerEntry, type Presence, statusOf, toRecord } from './handler-entry.ts';

export interface RegistryOptions {
  store: HandlerStore;
  logger: Logger;
  breaker: CircuitBreakerOptions;
  /** The governor limits of a handler, by id. */
  limitFor: (handlerId: string) => Limit | undefined;
  /** No message for this long: the handler is offline. */
  offlineAfterMs: number;
  /** Counter changes are written at most this often per handler. */
  persistIntervalMs: number;
  /** A handler whose only change is `lastSeenAt` is written at most this often. */
  seenPersistIntervalMs: number;
}

/**
 * The live handler table and its persistence. Writes go through one queue, so that the store sees
 * a handler's changes in the order they happened; a failed write is logged and retried with the
 * next change, never thrown at the link.
 */
export interface Registry {
  entries(): IterableIterator<HandlerEntry>;
  get(id: string): HandlerEntry | undefined;
  /** Adds or refreshes a handler; counters and breaker of a known id carry over. */
  register(body: RegisterBody, now: Date): { entry: HandlerEntry; previous: Presence | null };
  setPresence(entry: HandlerEntry, presence: Presence, nowMs: number): void;
  /** Handlers not offline whose last message is older than the allowed silence. */
  expired(nowMs: number): HandlerEntry[];
  /** Drops from memory handlers offline for longer than `ms` (the store keeps their record). */
  forgetOffline(nowMs: number, ms: number): void;
  /** Writes status transitions now, counter changes and `lastSeenAt` at their pace. */
  flush(nowMs: number): void;
  persist(entry: HandlerEntry, op: PersistOp, nowMs: number): void;
  /**
   * Reads the stored handlers: their counters seed a later registration, and those a previous
   * master run left as not offline are marked offline (nobody is connected to this run yet).
   * Returns how many were marked.
   */
  loadStored(): Promise<number>;
  /** Resolves when every write queued so far is done. */
  idle(): Promise<void>;
  countByStatus(nowMs: number): Record<HandlerStatus, number>;
  records(nowMs: number): HandlerRecord[];
}

type PersistOp = 'registered' | 'updated' | 'offline';

export function createRegistry(options: RegistryOptions): Registry {
  const { store, logger } = options;
  const entries = new Map<string, HandlerEntry>();
  const persistedSeen = new Map<string, number>();
  const persistedAt = new Map<string, number>();
  const stored = new Map<string, HandlerRecord>();
  let writes: Promise<void> = Promise.resolve();

  function enqueue(record: HandlerRecord, op: PersistOp, onError?: () => void): void {
    writes = writes.then(async () => {
      try {
        await store.upsertHandler(record, op);
      } catch (error) {
        onError?.();
        logger.error({ err: toError(error), handlerId: record.id }, 'could not persist handler');
      }
    });
  }

  function persist(entry: HandlerEntry, op: PersistOp, nowMs: number): void {
    const record = toRecord(entry, nowMs);
    const before = entry.persistedStatus;
    entry.persistedStatus = record.status;
    entry.dirty = false;
    persistedAt.set(entry.id, nowMs);
    persistedSeen.set(entry.id, record.lastSeenAt.getTime());
    if (before !== null && before !== record.status) {
      logger.info({ handlerId: entry.id, from: before, to: record.status }, 'handler status changed');
    }
    enqueue(record, op, () => {
      entry.dirty = true;
    });
  }

  return {
    entries: () => entries.values(),
    get: (id) => entries.get(id),
    register(body, now) {
      const previous = entries.get(body.handlerId);
      const limit = options.limitFor(body.handlerId);
      const entry = createEntry(body, now, { breaker: options.breaker, limit }, previous);
      const record = stored.get(body.handlerId);
      if (!previous && record) {
        // Counters are the handler's history, not this master run's: carry them over a restart.
        entry.successCount = record.successCount;
        entry.failureCount = record.failureCount;
        entry.avgDurationMs = record.avgDurationMs;
      }
      stored.delete(body.handlerId);
      entries.set(entry.id, entry);
      persist(entry, 'registered', now.getTime());
      return { entry, previous: previous?.presence ?? null };
    },
    setPresence(entry, presence, nowMs) {
      if (entry.presence === presence) return;
      entry.presence = presence;
      persist(entry, presence === 'offline' ? 'offline' : 'updated', nowMs);
    },
    expired(nowMs) {
      return [...entries.values()].filter(
        (entry) =>
          entry.presence !== 'offline' && nowMs - entry.lastSeenAt.getTime() > options.offlineAfterMs,
      );
    },
    forgetOffline(nowMs, ms) {
      for (const entry of [...entries.values()]) {
        if (
          entry.presence === 'offline' &&
          entry.active.size === 0 &&
          nowMs - entry.lastSeenAt.getTime() > ms
        ) {
          entries.delete(entry.id);
          persistedAt.delete(entry.id);
          persistedSeen.delete(entry.id);
        }
      }
    },
    flush(nowMs) {
      for (const entry of entries.values()) {
        const status = statusOf(entry, nowMs);
        if (status !== entry.persistedStatus) {
          persist(entry, status === 'offline' ? 'offline' : 'updated', nowMs);
          continue;
        }
        if (status === 'offline') continue;
        const sinceWrite = nowMs - (persistedAt.get(entry.id) ?? 0);
        const seenMoved = entry.lastSeenAt.getTime() - (persistedSeen.get(entry.id) ?? 0);
        if (
          (entry.dirty && sinceWrite >= options.persistIntervalMs) ||
          seenMoved >= options.seenPersistIntervalMs
        ) {
          persist(entry, 'updated', nowMs);
        }
      }
    },
    persist,
    async loadStored() {
      const records = await store.listHandlers();
      for (const record of records) stored.set(record.id, record);
      const stale = records.filter((record) => record.status !== 'offline');
      for (const record of stale) enqueue({ ...record, status: 'offline', activeJobs: 0 }, 'offline');
      await writes;
      return stale.length;
    },
    async idle() {
      await writes;
    },
    countByStatus(nowMs) {
      const counts = Object.fromEntries(HANDLER_STATUSES.map((status) => [status, 0])) as Record<
        HandlerStatus,
        number
      >;
      for (const entry of entries.values()) counts[statusOf(entry, nowMs)] += 1;
      return counts;
    },
    records: (nowMs) => [...entries.values()].map((entry) => toRecord(entry, nowMs)),
  };
}
