import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { errorResponse } from './errors.ts';

/**
 * Bearer-token auth for `/api/*`. Tokens are compared as SHA-256 digests with `timingSafeEqual`:
 * equal-length inputs whatever the token lengths, and every configured token is checked so the
 * time taken does not tell which one (if any) came close.
 */
export function bearerAuth(tokens: readonly string[]): MiddlewareHandler {
  const digests = tokens.map(digest);
  return async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
    let accepted = false;
    if (match) {
      const presented = digest(match[1] as string);
      for (const candidate of digests) accepted = timingSafeEqual(presented, candidate) || accepted;
    }
    if (!accepted) {
      c.header('WWW-Authenticate', 'Bearer realm="schedulezero"');
      const message = match
        ? 'Invalid bearer token'
        : 'Missing bearer token: send Authorization: Bearer <token>';
      return errorResponse(c, 401, 'unauthorized', message);
    }
    await next();
  };
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}
