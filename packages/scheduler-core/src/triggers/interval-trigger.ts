import type { IntervalTrigger } from '@schedulezero/protocol';
import type { ErrorDetail } from '../errors.ts';
import { parseInstant } from './instant.ts';
import { jitterOffsetMs } from './jitter.ts';
import type { TriggerContext } from './trigger-context.ts';

/**
 * Interval triggers fire at `origin + k * seconds` (k >= 0), where origin is `startAt` or, without
 * it, the context's anchor (the schedule's creation time). Each base time is then moved later by
 * its jitter (see jitter.ts). `endAt` is inclusive and bounds the actual, jittered instant: nothing
 * fires after it, so a last base time whose jitter would cross it is dropped.
 *
 * Times are whole milliseconds: `seconds` and `jitterSeconds` are rounded to the millisecond.
 */

/** Below this a job row per fire would swamp the store; cron's resolution is one second too. */
export const MIN_INTERVAL_SECONDS = 1;

export function validateIntervalTrigger(trigger: IntervalTrigger): ErrorDetail[] {
  const errors: ErrorDetail[] = [];
  const { seconds, jitterSeconds } = trigger;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < MIN_INTERVAL_SECONDS) {
    errors.push({
      path: 'trigger.seconds',
      message: `must be a number of seconds >= ${MIN_INTERVAL_SECONDS}`,
    });
  }
  const startMs = trigger.startAt === undefined ? undefined : parseInstant(trigger.startAt);
  const endMs = trigger.endAt === undefined ? undefined : parseInstant(trigger.endAt);
  if (startMs !== undefined && Number.isNaN(startMs)) {
    errors.push({ path: 'trigger.startAt', message: 'must be an ISO-8601 date-time with an offset' });
  }
  if (endMs !== undefined && Number.isNaN(endMs)) {
    errors.push({ path: 'trigger.endAt', message: 'must be an ISO-8601 date-time with an offset' });
  } else if (endMs !== undefined && startMs !== undefined && !Number.isNaN(startMs) && endMs <= startMs) {
    errors.push({ path: 'trigger.endAt', message: 'must be later than startAt' });
  }
  if (jitterSeconds !== undefined) {
    if (typeof jitterSeconds !== 'number' || !Number.isFinite(jitterSeconds) || jitterSeconds < 0) {
      errors.push({ path: 'trigger.jitterSeconds', message: 'must be a number of seconds >= 0' });
    } else if (
      typeof seconds === 'number' &&
      Math.round(jitterSeconds * 1000) >= Math.round(seconds * 1000)
    ) {
      // A jitter as long as the interval could move a fire past the next one and make two fires
      // coincide; keeping it shorter keeps fires in order and at most one per interval. Compared
      // in whole milliseconds, the unit the fires are computed in.
      errors.push({
        path: 'trigger.jitterSeconds',
        message: `must be less than the interval (${seconds} seconds)`,
      });
    }
  }
  return errors;
}

/** The first fire strictly after `after`, or null once `endAt` has passed. Expects a valid trigger. */
export function nextIntervalTime(
  trigger: IntervalTrigger,
  after: Date,
  context: TriggerContext,
): Date | null {
  const periodMs = Math.round(trigger.seconds * 1000);
  const jitterMs = Math.round((trigger.jitterSeconds ?? 0) * 1000);
  const originMs = trigger.startAt === undefined ? context.anchor.getTime() : parseInstant(trigger.startAt);
  const endMs = trigger.endAt === undefined ? Number.POSITIVE_INFINITY : parseInstant(trigger.endAt);
  const afterMs = after.getTime();

  // A base time up to `jitterMs` before `after` can still fire after it, so start there. The scan
  // stops once a base time is not earlier than the best fire found: jitter only moves fires later,
  // so no later base can beat it. With jitter < interval this looks at two or three base times;
  // the same loop stays correct (just longer) if jitter ever exceeds the interval.
  let k = Math.max(0, Math.floor((afterMs - jitterMs - originMs) / periodMs));
  let best = Number.POSITIVE_INFINITY;
  for (;;) {
    const baseMs = originMs + k * periodMs;
    if (baseMs > endMs || baseMs >= best) break;
    const fireMs = baseMs + jitterOffsetMs(context.seed, baseMs, jitterMs);
    if (fireMs > afterMs && fireMs <= endMs && fireMs < best) best = fireMs;
    k += 1;
  }
  return best === Number.POSITIVE_INFINITY ? null : new Date(best);
}
