import type { DateTrigger } from '@schedulezero/protocol';
import type { ErrorDetail } from '../errors.ts';
import { parseInstant } from './instant.ts';

/**
 * A date trigger fires once, at `at`. A time in the past is valid (validation has no clock); it
 * simply has no next fire time, and the service decides whether that is worth refusing.
 */
export function validateDateTrigger(trigger: DateTrigger): ErrorDetail[] {
  return typeof trigger.at === 'string' && !Number.isNaN(parseInstant(trigger.at))
    ? []
    : [
        {
          path: 'trigger.at',
          message: 'must be an ISO-8601 date-time with an offset, e.g. 2026-01-31T09:00:00Z',
        },
      ];
}

export function nextDateTime(trigger: DateTrigger, after: Date): Date | null {
  const atMs = parseInstant(trigger.at);
  return atMs > after.getTime() ? new Date(atMs) : null;
}
