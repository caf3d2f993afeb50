import type { AuthThrottleOptions } from './guards/auth-throttle.ts';
import type { RateLimitOptions } from './guards/rate-limit.ts';

/** The slice of pino the HTTP layer logs through (a pino logger fits). */
export interface AppLogger {
  debug(fields: object, message?: string): void;
  info(fields: object, message?: string): void;
  warn(fields: object, message?: string): void;
  error(fields: object, message?: string): void;
}

/** The `api` section of a node's config (`apiSection` of @schedulezero/config). */
export interface ApiOptions {
  requireAuth: boolean;
  tokens: readonly string[];
  allowedOrigins: readonly string[];
  maxBodyBytes: number;
  docs: boolean;
  /** The public status page at /status (dashboard); default off, on for a replica of zone dmz. */
  statusPage?: boolean | undefined;
  /** Where clients reach the node (OpenAPI `servers`); https turns `secureCookies` on by default. */
  publicUrl?: string | undefined;
  /** `Secure` on the dashboard's session cookie; default: publicUrl is https. */
  secureCookies?: boolean | undefined;
  /** Dashboard sessions (default 12 h, 1000). */
  sessions?: { ttlSeconds: number; max: number };
  /** Failed-authentication limit per client address (default 10 at once, refilled over 60 s). */
  authThrottle?: AuthThrottleOptions;
  /** The response cache of the read API (default 16 MiB; public Cache-Control max-age 1 s). */
  cache?: { maxBytes: number; maxAgeSeconds: number };
  /** Read-only nodes: requests per client address (default 100/s, bursts of 200). */
  rateLimit?: RateLimitOptions;
  /** Read-only nodes: requests answered at once (default 256, 0: no cap). */
  maxInFlight?: number;
  /** Reverse proxies whose X-Forwarded-For names the client (default none). */
  trustProxy?: readonly string[];
}
