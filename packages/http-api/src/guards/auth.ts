import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { errorResponse, tooManyRequests } from '../errors.ts';
import type { AppLogger } from '../types.ts';
import type { AuthThrottle } from './auth-throttle.ts';
import { clientAddress } from './client-address.ts';

/**
 * Bearer-token auth for `/api/*`. Tokens are compared as SHA-256 digests with `timingSafeEqual`:
 * equal-length inputs whatever the token lengths, and every configured token is checked so the
 * time taken does not tell which one (if any) came close. Failed attempts are logged with the
 * client's address (never the token) and counted by the throttle, which answers 429 to an address
 * that failed too often.
 */
export function bearerAuth(
  tokens: readonly string[],
  options: { throttle: AuthThrottle; logger: AppLogger },
): MiddlewareHandler {
  const digests = tokens.map(digest);
  return async (c, next) => {
    const address = clientAddress(c);
    const waitMs = options.throttle.refuse(address);
    if (waitMs > 0) {
      options.logger.warn(
        { address, method: c.req.method, path: c.req.path },
        'authentication refused: too many failed attempts from this address',
      );
      return tooManyRequests(c, waitMs, 'Too many failed authentication attempts from this address');
    }
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
    let accepted = false;
    if (match) {
      const presented = digest(match[1] as string);
      for (const candidate of digests) accepted = timingSafeEqual(presented, candidate) || accepted;
    }
    if (!accepted) {
      const reason = match ? 'wrong_token' : 'no_token';
      options.throttle.failed(address, reason);
      options.logger.warn(
        { address, method: c.req.method, path: c.req.path, reason },
        'authentication refused',
      );
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
