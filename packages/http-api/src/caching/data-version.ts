import { randomBytes } from 'node:crypto';
import type { MasterStore, ReplicaState, ReplicaStore } from '@schedulezero/scheduler-core';

/**
 * The version of what a node's read API answers: it changes whenever a committed write could
 * change an answer, and only then. It keys the response cache and the ETags (response-cache.ts).
 */
export interface DataVersion {
  /**
   * The current version, or undefined while it is not known for sure: a write is in flight (its
   * commit may or may not be visible yet), or a replica is loading a snapshot. Undefined means
   * "answer from the database, cache nothing".
   */
  current(): string | undefined;
}

/** The store methods that only read; every other method is taken for a write (the safe side). */
const READS = new Set<string>([
  'dialect',
  'ping',
  'close',
  'getSchedule',
  'listSchedules',
  'countSchedules',
  'earliestNextRunAt',
  'earliestPendingAt',
  'getJob',
  'listJobs',
  'countJobsByStatus',
  'listHandlers',
  'readChanges',
  'changeHead',
  'readSnapshot',
  'replicationState',
]);

/** Writes that change nothing when they return an empty list (they select, then update what they selected). */
const NO_OP_WHEN_EMPTY = new Set<string>(['claimJobs', 'failUnservedJobs', 'recoverRunningJobs']);

interface WriteWatcher {
  started(): void;
  /** `result` is the write's value, undefined when it threw. */
  ended(method: string, result: unknown, threw: boolean): void;
}

/** The store with every write reported to `watcher` before it starts and after it settles. */
function watchWrites<S extends object>(store: S, watcher: WriteWatcher): S {
  const wrapped = new Map<string, unknown>();
  return new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof property !== 'string' || typeof value !== 'function' || READS.has(property)) return value;
      let method = wrapped.get(property);
      if (method === undefined) {
        method = async (...args: unknown[]) => {
          watcher.started();
          let result: unknown;
          let threw = true;
          try {
            result = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
            threw = false;
            return result;
          } finally {
            watcher.ended(property, result, threw);
          }
        };
        wrapped.set(property, method);
      }
      return method;
    },
  });
}

/**
 * A master's version: a count of the writes through this store, prefixed with a random id drawn
 * at start (a restarted node counts from 0 again). Exact only when this process is the database's
 * only writer: true of SQLite (a second master on the file is refused); on PostgreSQL other
 * masters of a cluster write too, so the caller passes no version there and nothing is cached.
 */
export function masterDataVersion(store: MasterStore): { store: MasterStore; version: DataVersion } {
  const boot = randomBytes(6).toString('base64url');
  let writes = 0;
  let inFlight = 0;
  const watched = watchWrites(store, {
    started: () => {
      inFlight += 1;
    },
    ended: (method, result, threw) => {
      inFlight -= 1;
      if (threw || !unchanged(method, result)) writes += 1;
    },
  });
  return { store: watched, version: { current: () => (inFlight > 0 ? undefined : `m.${boot}.${writes}`) } };
}

/** A write that certainly changed nothing: refused (an outcome not ok), or one that found nothing to do. */
function unchanged(method: string, result: unknown): boolean {
  if (result !== null && typeof result === 'object' && 'ok' in result && result.ok === false) return true;
  return NO_OP_WHEN_EMPTY.has(method) && Array.isArray(result) && result.length === 0;
}

/**
 * A replica's version: its position in the zone's stream (epoch and applied seq), the same on
 * every replica of the zone and across restarts. The subscriber's writes hand back the new
 * position; while a snapshot loads, after a refused or failed write, or after any other write,
 * the version is unknown until the next position.
 */
export async function replicaDataVersion(
  store: ReplicaStore,
  zone: string,
): Promise<{ store: ReplicaStore; version: DataVersion }> {
  let state: ReplicaState | undefined = await store.replicationState(zone);
  let inFlight = 0;
  const watched = watchWrites(store, {
    started: () => {
      inFlight += 1;
    },
    ended: (_method, result, threw) => {
      inFlight -= 1;
      state = threw ? undefined : positionOf(result);
    },
  });
  return {
    store: watched,
    version: {
      current: () =>
        inFlight > 0 || state === undefined || state.snapshotSeq !== null
          ? undefined
          : `r.${state.zone}.${state.epoch}.${state.appliedSeq}`,
    },
  };
}

/** The ReplicaState a replica write returned (bare, or as an ok outcome); undefined otherwise. */
function positionOf(result: unknown): ReplicaState | undefined {
  const value =
    result !== null && typeof result === 'object' && 'ok' in result
      ? result.ok === true && 'value' in result
        ? result.value
        : undefined
      : result;
  if (value === null || typeof value !== 'object' || !('appliedSeq' in value) || !('epoch' in value))
    return undefined;
  return value as ReplicaState;
}
