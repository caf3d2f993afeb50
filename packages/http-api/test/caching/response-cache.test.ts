import { describe, expect, it } from 'vitest';
import { createResponseCache } from '../../src/caching/response-cache.ts';

const entry = (version: string, body: string) => ({
  version,
  etag: `"${version}"`,
  contentType: 'application/json',
  body,
});

describe('createResponseCache', () => {
  it('keeps answers within its bound, least recently used out, and only at their version', () => {
    // Each entry of a 500-character body counts 2 × (500 + 2) + 200 bytes: four fit in 5,000.
    const cache = createResponseCache(5_000);
    const body = 'x'.repeat(500);
    for (const key of ['/a', '/b', '/c', '/e']) cache.set(key, entry('v1', body));
    expect(cache.get('/a', 'v1')?.body).toBe(body); // /a is now the most recently used
    cache.set('/d', entry('v1', body));
    expect(cache.get('/b', 'v1')).toBeUndefined(); // the oldest went
    expect(cache.get('/a', 'v1')).toBeDefined();
    expect(cache.get('/c', 'v1')).toBeDefined();
    expect(cache.get('/d', 'v1')).toBeDefined();
    expect(cache.get('/e', 'v1')).toBeDefined();

    // Another version is a miss, and the stale entry is dropped.
    expect(cache.get('/a', 'v2')).toBeUndefined();
    expect(cache.get('/a', 'v1')).toBeUndefined();
    // An answer over a quarter of the bound is not kept.
    cache.set('/big', entry('v1', 'y'.repeat(1_000_000)));
    expect(cache.get('/big', 'v1')).toBeUndefined();

    const bytes = cache.families().find((family) => family.name === 'schedulezero_http_cache_bytes');
    const held = bytes?.samples[0]?.[1] ?? Number.NaN;
    expect(held).toBeGreaterThan(0);
    expect(held).toBeLessThanOrEqual(5_000);
  });

  it('keeps nothing with a bound of 0', () => {
    const cache = createResponseCache(0);
    cache.set('/a', entry('v1', '{}'));
    expect(cache.get('/a', 'v1')).toBeUndefined();
  });
});
