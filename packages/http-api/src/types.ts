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
}
