/**
 * The one error type of the scheduler. Callers branch on `code`; the HTTP layers map each code to
 * a status. Unknown thrown values are wrapped with `cause` at the boundary.
 */
export const ERROR_CODES = [
  'validation',
  'not_found',
  'conflict',
  'version_conflict',
  'max_instances',
  'job_finished',
  'job_not_finished',
  'rate_limited',
  'internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ErrorDetail {
  /** Dotted path of the offending field, e.g. `trigger.expression`. */
  path: string;
  message: string;
}

export class SchedulerError extends Error {
  readonly code: ErrorCode;
  readonly details: ErrorDetail[] | undefined;

  constructor(code: ErrorCode, message: string, options: { details?: ErrorDetail[]; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'SchedulerError';
    this.code = code;
    this.details = options.details;
  }
}

export function toError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value), { cause: value });
}
