import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const SESSION_COOKIE = 'sz_session';
export const CSRF_FIELD = '_csrf';

/**
 * The dashboard's session and CSRF rules. A login with an API token opens a server-side session;
 * the cookie (HttpOnly, SameSite=Strict, Secure behind https) holds only its random id, never the
 * token. The CSRF token of a session is an HMAC of that id under a per-process key, sent in a
 * hidden field of every form and checked on every POST together with the request's origin.
 */
export interface SessionGuard {
  /** True when `token` is one of the configured API tokens (constant time over all of them). */
  acceptsToken(token: string | undefined): boolean;
  /** The CSRF token of a session (the session id; '' when the node needs no login). */
  csrfToken(session: string): string;
  /** True when `presented` is the CSRF token of `session`. */
  checkCsrf(session: string, presented: string | undefined): boolean;
}

export function createSessionGuard(tokens: readonly string[], key: Buffer = randomBytes(32)): SessionGuard {
  const digests = tokens.map(digest);
  const csrfToken = (session: string) =>
    createHmac('sha256', key).update(session, 'utf8').digest('base64url');
  return {
    acceptsToken(token) {
      if (token === undefined || token.length === 0) return false;
      const presented = digest(token);
      let accepted = false;
      for (const candidate of digests) accepted = timingSafeEqual(presented, candidate) || accepted;
      return accepted;
    },
    csrfToken,
    checkCsrf(session, presented) {
      if (presented === undefined || presented.length === 0) return false;
      const expected = Buffer.from(csrfToken(session));
      const given = Buffer.from(presented);
      return given.length === expected.length && timingSafeEqual(given, expected);
    },
  };
}

export interface SessionStoreOptions {
  /** A session ends this long after its login. */
  ttlMs: number;
  /** Sessions kept at most; a new login past that ends the oldest one. */
  max: number;
  now?: () => number;
}

/**
 * Open dashboard sessions, in memory: opaque random ids (256 bits) that expire, end on logout, and
 * are bounded in number. A restart logs everyone out, which is the safe direction.
 */
export interface SessionStore {
  /** Opens a session and returns its id, the cookie's value. */
  open(): string;
  /** True while `id` names an open session that has not expired. */
  isOpen(id: string | undefined): boolean;
  /** Ends the session (logout); unknown ids are ignored. */
  close(id: string | undefined): void;
}

export function createSessionStore(options: SessionStoreOptions): SessionStore {
  const now = options.now ?? Date.now;
  // Insertion order is login order: the first entry is the oldest session.
  const expiries = new Map<string, number>();
  return {
    open() {
      const id = randomBytes(32).toString('base64url');
      expiries.set(id, now() + options.ttlMs);
      for (const [oldest, expiresAt] of expiries) {
        if (expiries.size <= options.max && expiresAt > now()) break;
        expiries.delete(oldest);
      }
      return id;
    },
    isOpen(id) {
      if (id === undefined || id.length === 0) return false;
      const expiresAt = expiries.get(id);
      if (expiresAt === undefined) return false;
      if (expiresAt > now()) return true;
      expiries.delete(id);
      return false;
    },
    close(id) {
      if (id !== undefined) expiries.delete(id);
    },
  };
}

/**
 * Refuses a cross-origin POST: a browser sends `Origin` (and `Sec-Fetch-Site`) with every form POST;
 * when present they must name this node. A request without either (curl) passes to the CSRF check.
 */
export function isSameOrigin(headers: {
  origin?: string | undefined;
  host?: string | undefined;
  secFetchSite?: string | undefined;
  requestUrl: string;
}): boolean {
  const site = headers.secFetchSite;
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return false;
  const origin = headers.origin;
  if (origin === undefined) return true;
  if (origin === 'null') return false;
  const url = new URL(headers.requestUrl);
  const host = headers.host ?? url.host;
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}
