import type { AuthThrottleOptions } from './auth-throttle.ts';

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
  /** Where clients reach the node (OpenAPI `servers`); https turns `secureCookies` on by default. */
  publicUrl?: string | undefined;
  /** `Secure` on the dashboard's session cookie; default: publicUrl is https. */
  secureCookies?: boolean | undefined;
  /** Dashboard sessions (default 12 h, 1000). */
  sessions?: { ttlSeconds: number; max: number };
  /** Failed-authentication limit per client address (default 10 at once, refilled over 60 s). */
  authThrottle?: AuthThrottleOptions;
}
