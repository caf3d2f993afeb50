import type { Trigger } from '@schedulezero/protocol';
import type { ErrorDetail } from '../errors.ts';
import { validateCronTrigger } from './cron-trigger.ts';
import { validateDateTrigger } from './date-trigger.ts';
import { validateIntervalTrigger } from './interval-trigger.ts';

/**
 * Every problem of a trigger that the wire schema cannot see (cron syntax, unknown zones, ranges
 * that end before they start), as values with paths such as `trigger.expression`. Empty = valid.
 * Pure: no clock, so a date in the past is not an error here.
 */
export function validateTrigger(trigger: Trigger): ErrorDetail[] {
  switch (trigger.type) {
    case 'cron':
      return validateCronTrigger(trigger);
    case 'interval':
      return validateIntervalTrigger(trigger);
    case 'date':
      return validateDateTrigger(trigger);
    default: {
      // Reachable with rows or bodies that bypassed the schema.
      const type: unknown = (trigger as { type?: unknown }).type;
      return [
        {
          path: 'trigger.type',
          message: `unknown trigger type ${JSON.stringify(type)}: use "cron", "interval" or "date"`,
        },
      ];
    }
  }
}
