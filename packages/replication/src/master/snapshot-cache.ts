import { randomBytes } from 'node:crypto';
import type { SnapshotRecordMessage } from '@schedulezero/protocol';

export interface CachedSnapshot {
  id: string;
  epoch: string;
  seq: number;
  records: SnapshotRecordMessage[];
  lastUsed: number;
}

/**
 * Snapshots being paged out to replicas. A snapshot is one consistent read; keeping it here lets a
 * replica page through it at its own pace (one request per page) without holding a database
 * transaction open. Bounded in count and idle time: a replica that went away costs nothing for long.
 */
export class SnapshotCache {
  readonly #ttlMs: number;
  readonly #max: number;
  readonly #entries = new Map<string, CachedSnapshot>();

  constructor(options: { ttlMs: number; max: number }) {
    this.#ttlMs = options.ttlMs;
    this.#max = Math.max(1, options.max);
  }

  add(snapshot: Omit<CachedSnapshot, 'id' | 'lastUsed'>, now: number): CachedSnapshot {
    this.sweep(now);
    while (this.#entries.size >= this.#max) {
      const [oldest] = [...this.#entries.values()].sort((a, b) => a.lastUsed - b.lastUsed);
      if (oldest === undefined) break;
      this.#entries.delete(oldest.id);
    }
    const entry = { ...snapshot, id: randomBytes(8).toString('hex'), lastUsed: now };
    this.#entries.set(entry.id, entry);
    return entry;
  }

  get(id: string, now: number): CachedSnapshot | undefined {
    this.sweep(now);
    const entry = this.#entries.get(id);
    if (entry) entry.lastUsed = now;
    return entry;
  }

  /** Drops a snapshot once its last page was served: a replica does not come back for it. */
  delete(id: string): void {
    this.#entries.delete(id);
  }

  sweep(now: number): void {
    for (const [id, entry] of this.#entries) if (now - entry.lastUsed > this.#ttlMs) this.#entries.delete(id);
  }

  get size(): number {
    return this.#entries.size;
  }
}
