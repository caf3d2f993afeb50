import type { Trigger } from '@schedulezero/protocol';
import { SchedulerError } from '../errors.ts';
import { compileCron, nextCronTimes } from './cron-trigger.ts';
import { nextDateTime } from './date-trigger.ts';
import { isValidDate } from './instant.ts';
import { nextIntervalTime } from './interval-trigger.ts';
import type { TriggerContext } from './trigger-context.ts';
import { validateTrigger } from './validate-trigger.ts';

/** Upper bound of `count` for nextFireTimes and previewNext; a preview is not a bulk export. */
export const MAX_FIRE_TIMES = 1000;

/**
 * The first fire time strictly after `after`, or null when the trigger is exhausted (a date in the
 * past, an interval past `endAt`, a cron expression past year 3000).
 *
 * - cron: the next matching wall-clock time in `timezone`, to the whole second. DST: a fixed time
 *   (no `*`, `?` or step in the second, minute and hour fields) that falls in the spring-forward
 *   gap fires once, at the first valid instant after the gap; one in the repeated fall-back hour
 *   fires once, at its first occurrence. Repeating patterns skip times that do not exist and run
 *   on both passes of the repeated hour, keeping their real-time cadence. See cron-trigger.ts.
 * - interval: `origin + k * seconds` (k >= 0; origin = `startAt`, else `context.anchor`), each
 *   moved later by a jitter in [0, jitterSeconds] derived from `context.seed` and the base time;
 *   `endAt` is inclusive and bounds the jittered instant.
 * - date: `at` if it is after `after`.
 *
 * Throws SchedulerError('validation') for a trigger that validateTrigger rejects or a bad argument.
 */
export function nextFireTime(trigger: Trigger, after: Date, context: TriggerContext): Date | null {
  return nextFireTimes(trigger, after, 1, context)[0] ?? null;
}

/** Up to `count` fire times strictly after `after`, ascending; fewer when the trigger runs out. */
export function nextFireTimes(trigger: Trigger, after: Date, count: number, context: TriggerContext): Date[] {
  assertComputable(trigger, after, count, context);
  switch (trigger.type) {
    case 'cron': {
      const compiled = compileCron(trigger);
      return compiled.ok ? nextCronTimes(compiled.cron, after, count) : [];
    }
    case 'interval': {
      const times: Date[] = [];
      let cursor = after;
      while (times.length < count) {
        const next = nextIntervalTime(trigger, cursor, context);
        if (next === null) break;
        times.push(next);
        cursor = next;
      }
      return times;
    }
    case 'date': {
      const next = count > 0 ? nextDateTime(trigger, after) : null;
      return next === null ? [] : [next];
    }
  }
}

/**
 * Fire times of a trigger that is not stored yet: anchored at `from` (as if the schedule were
 * created then) with the empty seed. An interval's jitter therefore differs from what the stored
 * schedule will use, whose seed is its id; the base times are the same.
 */
export function previewNext(trigger: Trigger, count: number, from: Date = new Date()): Date[] {
  return nextFireTimes(trigger, from, count, { anchor: from, seed: '' });
}

function assertComputable(trigger: Trigger, after: Date, count: number, context: TriggerContext): void {
  const details = validateTrigger(trigger);
  if (!isValidDate(after)) details.push({ path: 'after', message: 'must be a valid Date' });
  if (!Number.isInteger(count) || count < 0 || count > MAX_FIRE_TIMES) {
    details.push({ path: 'count', message: `must be an integer from 0 to ${MAX_FIRE_TIMES}` });
  }
  if (trigger.type === 'interval' && trigger.startAt === undefined && !isValidDate(context.anchor)) {
    details.push({
      path: 'context.anchor',
      message: 'must be a valid Date (interval trigger without startAt)',
    });
  }
  if (details.length > 0) {
    const summary = details.map((detail) => `${detail.path}: ${detail.message}`).join('; ');
    throw new SchedulerError('validation', `Cannot compute fire times: ${summary}`, { details });
  }
}
