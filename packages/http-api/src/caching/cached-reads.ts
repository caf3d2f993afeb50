import { createHash } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { DataVersion } from './data-version.ts';
import type { ResponseCache } from './response-cache.ts';

/**
 * The read routes whose answer is a function of the data version and the request alone. Left out:
 * what depends on the clock (`/next` without `from`, /api/metrics' uptime, /api/replication's lag,
 * the dashboard's "3 min ago") and what is not data (probes, /metrics).
 */
export const CACHEABLE_ROUTES = [
  '/api/schedules',
  '/api/schedules/:id',
  '/api/history',
  '/api/jobs/:id',
  '/api/handlers',
] as const;

export interface CachedReadsOptions {
  version: DataVersion;
  cache: ResponseCache;
  /** What else an answer depends on: the node's software version and, on a replica, its zone and kinds. */
  scope: string;
  cacheControl: string;
}

/**
 * Conditional GET and the response cache for one node. An answer is tagged and cached only when
 * the data version was known before the route ran and unchanged after it (no write started or
 * ended in between), so an ETag never names data of another version, and a cached body is served
 * only at the exact version it was rendered from. Runs after authentication: the answers are the
 * same for every valid token, so one cache serves every caller.
 */
export function cachedReads(options: CachedReadsOptions): MiddlewareHandler {
  const { version, cache, scope, cacheControl } = options;
  return async (c, next) => {
    if (c.req.method !== 'GET') return next();
    c.header('Cache-Control', cacheControl);
    const before = version.current();
    if (before === undefined) return next();
    const key = pathAndQuery(c.req.url);
    const etag = entityTag(scope, before, key);
    if (matches(c.req.header('if-none-match'), etag)) {
      cache.notModified();
      c.header('ETag', etag);
      return c.body(null, 304);
    }
    const hit = cache.get(key, before);
    if (hit !== undefined) {
      c.header('ETag', hit.etag);
      return c.body(hit.body, 200, { 'Content-Type': hit.contentType });
    }
    await next();
    if (c.res.status !== 200 || version.current() !== before) return;
    const contentType = c.res.headers.get('content-type') ?? 'application/json';
    const body = await c.res.text();
    c.res = new Response(body, { status: 200, headers: c.res.headers });
    c.res.headers.set('ETag', etag);
    cache.set(key, { version: before, etag, contentType, body });
  };
}

/** `/api/schedules?limit=100` of an absolute request URL. */
function pathAndQuery(url: string): string {
  const start = url.indexOf('/', url.indexOf('//') + 2);
  return start === -1 ? '/' : url.slice(start);
}

function entityTag(scope: string, version: string, key: string): string {
  const digest = createHash('sha1').update(`${scope}\n${version}\n${key}`).digest('base64url');
  return `"${digest.slice(0, 22)}"`;
}

/** If-None-Match uses the weak comparison (RFC 9110 13.1.2): `W/` is ignored; `*` matches any. */
function matches(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  for (const part of header.split(',')) {
    const tag = part.trim();
    if (tag === '*' || tag === etag || tag === `W/${etag}`) return true;
  }
  return false;
}

/** `Cache-Control` of the cacheable reads: a public node lets a CDN keep them briefly, an authenticated one never. */
export function readCacheControl(isPublic: boolean, maxAgeSeconds: number): string {
  if (!isPublic) return 'private, no-cache';
  return maxAgeSeconds > 0 ? `public, max-age=${maxAgeSeconds}, must-revalidate` : 'public, no-cache';
}
