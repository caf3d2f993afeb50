import type { CronTrigger } from '@schedulezero/protocol';
import { Cron, type CronOptions } from 'croner';
import type { ErrorDetail } from '../errors.ts';
import { neverFiresMessage } from './never-fires.ts';
import { isKnownTimeZone, isUtcTimeZone } from './time-zone.ts';

/**
 * Cron triggers, computed by croner. Expressions have 5 fields (minute hour day-of-month month
 * day-of-week, seconds = 0) or 6 fields (second first). Croner's extensions work: `L`, `W`, `#`,
 * `+` (day-of-month AND day-of-week), month and day names; day-of-month and day-of-week are ORed
 * as in Vixie cron when both are restricted. The year field and nicknames (`@daily`) are rejected
 * so that a stored expression always reads the same way.
 *
 * DST, as croner computes it with `fixedTimeRule: 'no-wildcard'` (verified in the tests):
 * - Fixed times — no `*`, `?` or `/` in the second, minute and hour fields (`30 2 * * *`,
 *   `0 30 2,14 * * *`, `0 1-3 * * *`): a wall-clock time in the spring-forward gap fires once, at
 *   the first valid instant after the gap (02:30 in Berlin on 2026-03-29 fires at 03:00 CEST); a
 *   time in the repeated fall-back hour fires once, at its first occurrence.
 * - Repeating times — a `*`, `?` or step in any of those fields (`0 * * * *`, `0 0-23/2 * * *`):
 *   times that do not exist are skipped and the repeated hour runs on both passes, so the job keeps
 *   its real-time cadence through both switches instead of stopping for an hour.
 * Croner's default rule would treat lists and ranges as repeating (a list entry in the gap would be
 * skipped); 'no-wildcard' makes every wall-clock time the operator wrote out a fixed time.
 */

const CRON_OPTIONS = {
  mode: '5-or-6-parts',
  fixedTimeRule: 'no-wildcard',
  domAndDow: false,
  alternativeWeekdays: false,
  sloppyRanges: false,
} as const satisfies CronOptions;

const FIELDS_HELP =
  '5 fields (minute hour day-of-month month day-of-week) or 6 fields (second minute hour day-of-month month day-of-week)';

const NICKNAMES: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

/**
 * Every pattern without a year field repeats within the 400-year Gregorian cycle, so one that has
 * no run after this instant (croner looks until year 3000) never runs: `0 0 31 2 *`.
 */
const NEVER_PROBE_FROM = new Date('1970-01-01T00:00:00Z');

export type CompiledCron = { ok: true; cron: Cron } | { ok: false; errors: ErrorDetail[] };

/** Parsing and the never-runs probe cost a few ms; the loop asks for the same few triggers. */
const CACHE_LIMIT = 1000;
const cache = new Map<string, CompiledCron>();

/** Parses the trigger once per (timezone, expression); errors are returned, not thrown. */
export function compileCron(trigger: Pick<CronTrigger, 'expression' | 'timezone'>): CompiledCron {
  const key = `${trigger.timezone}\u0000${trigger.expression}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const compiled = compileUncached(trigger.expression, trigger.timezone);
  if (cache.size >= CACHE_LIMIT) {
    const oldest = cache.keys().next().value;
    if (oldest !== undefined) cache.delete(oldest);
  }
  cache.set(key, compiled);
  return compiled;
}

export function validateCronTrigger(trigger: CronTrigger): ErrorDetail[] {
  const compiled = compileCron(trigger);
  // Copies: the cached details must not change when a caller appends to or edits what it got.
  return compiled.ok ? [] : compiled.errors.map((detail) => ({ ...detail }));
}

function compileUncached(expression: string, timezone: string): CompiledCron {
  const errors: ErrorDetail[] = [];
  const zoneKnown = typeof timezone === 'string' && isKnownTimeZone(timezone);
  if (!zoneKnown) {
    errors.push({
      path: 'trigger.timezone',
      message: `unknown time zone ${JSON.stringify(timezone)}: use an IANA name such as "Europe/Berlin", "America/New_York" or "UTC" (fixed offsets like "+02:00" are not accepted)`,
    });
  }
  const expressionError = checkExpressionShape(expression);
  if (expressionError)
    return { ok: false, errors: [{ path: 'trigger.expression', message: expressionError }, ...errors] };

  const normalized = expression.trim().split(/\s+/).join(' ');
  // UTC as a fixed offset of 0 gives the same times as the zone (no DST) without croner's Intl
  // conversions, about 30 times faster — it matters when the loop walks a long backlog. An unknown
  // zone would make croner throw while computing; UTC still lets us check the syntax.
  const zone: CronOptions = zoneKnown && !isUtcTimeZone(timezone) ? { timezone } : { utcOffset: 0 };
  let cron: Cron;
  try {
    cron = new Cron(normalized, { ...CRON_OPTIONS, ...zone });
  } catch (error) {
    const reason = error instanceof Error ? error.message.replace(/^CronPattern:\s*/, '') : String(error);
    return {
      ok: false,
      errors: [{ path: 'trigger.expression', message: `invalid cron expression: ${reason}` }, ...errors],
    };
  }
  if (cron.nextRun(NEVER_PROBE_FROM) === null) {
    errors.unshift({
      path: 'trigger.expression',
      message: neverFiresMessage(normalized),
    });
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, cron };
}

function checkExpressionShape(expression: unknown): string | null {
  if (typeof expression !== 'string' || expression.trim() === '') {
    return `must be a cron expression with ${FIELDS_HELP}`;
  }
  const fields = expression.trim().split(/\s+/);
  const first = fields[0] ?? '';
  if (fields.length === 1 && first.startsWith('@')) {
    const equivalent = NICKNAMES[first.toLowerCase()];
    return equivalent
      ? `nicknames are not supported: write "${equivalent}" instead of "${first}"`
      : `nicknames are not supported ("${first}"): use ${FIELDS_HELP}`;
  }
  if (fields.length === 7) {
    return `has 7 fields, but the year field is not supported: use ${FIELDS_HELP}`;
  }
  if (fields.length !== 5 && fields.length !== 6) {
    return `has ${fields.length} field${fields.length === 1 ? '' : 's'}: use ${FIELDS_HELP}`;
  }
  // Croner reads any pattern with a colon as an ISO date to fire once at; that is a date trigger.
  if (expression.includes(':')) {
    return 'must not contain ":" — to fire once at an instant, use a date trigger';
  }
  return null;
}

/** Fire times remembered per compiled expression: instant (ms) → the next fire time (ms, or null). */
const nextRunMemo = new WeakMap<Cron, Map<number, number | null>>();
const MEMO_LIMIT = 256;

/**
 * The first `count` fire times strictly after `after`; croner works in whole seconds.
 *
 * The single next time is remembered per expression and instant: schedules that share an
 * expression fire together (a thousand `* * * * * *`, every `0 * * * *` at the top of the hour),
 * and the loop plans them in one pass, asking croner — tens of µs a call — the same question for
 * each of them.
 */
export function nextCronTimes(cron: Cron, after: Date, count: number): Date[] {
  if (count <= 0) return [];
  if (count > 1) return cron.nextRuns(count, after);
  let memo = nextRunMemo.get(cron);
  if (memo === undefined) {
    memo = new Map();
    nextRunMemo.set(cron, memo);
  }
  const key = after.getTime();
  let next = memo.get(key);
  if (next === undefined) {
    // Always pass `after`: without it croner would start from its own state or the current time.
    next = cron.nextRuns(1, after)[0]?.getTime() ?? null;
    if (memo.size >= MEMO_LIMIT) memo.delete(memo.keys().next().value as number);
    memo.set(key, next);
  }
  return next === null ? [] : [new Date(next)];
}
