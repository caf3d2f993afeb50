import type { MetricFamily } from '../prometheus.ts';

/** A rendered 200 answer and the data version it was rendered from. */
export interface CachedResponse {
  version: string;
  etag: string;
  contentType: string;
  body: string;
}

export interface ResponseCache {
  /** The answer cached for `key` at exactly `version`; an entry of another version is dropped. */
  get(key: string, version: string): CachedResponse | undefined;
  set(key: string, entry: CachedResponse): void;
  /** Counts a 304 answered from the ETag alone. */
  notModified(): void;
  families(): MetricFamily[];
}

/**
 * Rendered answers by request (path and query), least recently used first out, within `maxBytes`
 * (bodies counted as UTF-16, as V8 holds them, plus the key). An answer larger than a quarter of
 * the bound is not kept: it would push out many small ones. `maxBytes` 0 keeps nothing.
 */
export function createResponseCache(maxBytes: number): ResponseCache {
  // Map order is recency order: a hit moves its entry to the end, the first is the oldest.
  const entries = new Map<string, CachedResponse>();
  let bytes = 0;
  const counts = { hit: 0, miss: 0, not_modified: 0 };
  const sizeOf = (key: string, entry: CachedResponse) => 2 * (key.length + entry.body.length) + 200;

  const remove = (key: string) => {
    const entry = entries.get(key);
    if (entry === undefined) return;
    entries.delete(key);
    bytes -= sizeOf(key, entry);
  };

  return {
    get(key, version) {
      const entry = entries.get(key);
      if (entry === undefined || entry.version !== version) {
        if (entry !== undefined) remove(key);
        counts.miss += 1;
        return undefined;
      }
      entries.delete(key);
      entries.set(key, entry);
      counts.hit += 1;
      return entry;
    },
    set(key, entry) {
      remove(key);
      const size = sizeOf(key, entry);
      if (size > maxBytes / 4) return;
      entries.set(key, entry);
      bytes += size;
      for (const oldest of entries.keys()) {
        if (bytes <= maxBytes) break;
        remove(oldest);
      }
    },
    notModified() {
      counts.not_modified += 1;
    },
    families: () => [
      {
        name: 'schedulezero_http_cache_requests_total',
        type: 'counter',
        help: 'Cacheable GET requests: answered from the response cache (hit), rendered (miss), or 304 (not_modified).',
        samples: [
          [{ result: 'hit' }, counts.hit],
          [{ result: 'miss' }, counts.miss],
          [{ result: 'not_modified' }, counts.not_modified],
        ],
      },
      {
        name: 'schedulezero_http_cache_bytes',
        type: 'gauge',
        help: 'Estimated memory held by the response cache (bounded by api.cache.maxBytes).',
        samples: [[{}, bytes]],
      },
    ],
  };
}
