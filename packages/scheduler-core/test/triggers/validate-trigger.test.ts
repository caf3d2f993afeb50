import type { Trigger } from '@schedulezero/protocol';
import { describe, expect, it } from 'vitest';
import type { ErrorDetail } from '../../src/errors.ts';
import { SchedulerError } from '../../src/errors.ts';
import { nextFireTime } from '../../src/triggers/next-fire-time.ts';
import { validateTrigger } from '../../src/triggers/validate-trigger.ts';

function cron(expression: string, timezone = 'UTC'): Trigger {
  return { type: 'cron', expression, timezone };
}

function paths(errors: ErrorDetail[]): string[] {
  return errors.map((error) => error.path);
}

describe('validateTrigger', () => {
  it('accepts valid triggers of each type', () => {
    expect(validateTrigger(cron('0 30 2 * * *', 'Europe/Berlin'))).toEqual([]);
    expect(validateTrigger(cron('  0   9 * *   MON-FRI ', 'America/New_York'))).toEqual([]);
    expect(validateTrigger(cron('0 0 L * *', 'US/Eastern'))).toEqual([]);
    expect(
      validateTrigger({
        type: 'interval',
        seconds: 60,
        startAt: '2026-01-01T00:00:00Z',
        endAt: '2026-01-02T00:00:00Z',
        jitterSeconds: 59,
      }),
    ).toEqual([]);
    expect(validateTrigger({ type: 'date', at: '2020-01-01T00:00:00Z' })).toEqual([]);
  });

  it.each([
    ['* * * *', /has 4 fields/],
    ['0 0 0 1 1 * 2030', /7 fields, but the year field is not supported/],
    ['1 2 3 4 5 6 7 8', /has 8 fields/],
    ['', /must be a cron expression/],
    ['@daily', /write "0 0 \* \* \*" instead of "@daily"/],
    ['@reboot', /nicknames are not supported/],
  ])('rejects the field count of %j', (expression, message) => {
    const errors = validateTrigger(cron(expression));
    expect(paths(errors)).toEqual(['trigger.expression']);
    expect(errors[0]?.message).toMatch(message);
  });

  it.each([
    ['61 * * * *', /minute/],
    ['0 25 * * *', /hour/],
    ['0 0 32 * *', /invalid cron expression/],
    ['0 0 * 13 *', /invalid cron expression/],
    ['0 0 * * FUNDAY', /invalid cron expression/],
    ['5/5 * * * *', /invalid cron expression/],
    ['0 0 31 2 *', /never fires/],
    ['0 0 1 1 12:00', /date trigger/],
  ])('rejects the invalid expression %j', (expression, message) => {
    const errors = validateTrigger(cron(expression));
    expect(paths(errors)).toEqual(['trigger.expression']);
    expect(errors[0]?.message).toMatch(message);
  });

  it.each(['Mars/Olympus', '+02:00', 'GMT+2', 'Local', ''])('rejects the time zone %j', (timezone) => {
    const errors = validateTrigger(cron('0 9 * * *', timezone));
    expect(paths(errors)).toEqual(['trigger.timezone']);
    expect(errors[0]?.message).toMatch(/IANA/);
  });

  it('reports a bad expression and a bad zone together', () => {
    expect(paths(validateTrigger(cron('* * *', 'Nowhere/Land')))).toEqual([
      'trigger.expression',
      'trigger.timezone',
    ]);
    expect(paths(validateTrigger(cron('99 * * * *', 'Nowhere/Land')))).toEqual([
      'trigger.expression',
      'trigger.timezone',
    ]);
  });

  it('rejects interval ranges and sizes with the field path', () => {
    const base = { type: 'interval', seconds: 60 } as const;
    expect(
      paths(validateTrigger({ ...base, startAt: '2026-01-02T00:00:00Z', endAt: '2026-01-01T00:00:00Z' })),
    ).toEqual(['trigger.endAt']);
    expect(
      paths(validateTrigger({ ...base, startAt: '2026-01-01T00:00:00Z', endAt: '2026-01-01T00:00:00Z' })),
    ).toEqual(['trigger.endAt']);
    expect(paths(validateTrigger({ ...base, seconds: 0.5 }))).toEqual(['trigger.seconds']);
    expect(paths(validateTrigger({ ...base, seconds: Number.NaN }))).toEqual(['trigger.seconds']);
    expect(paths(validateTrigger({ ...base, jitterSeconds: 60 }))).toEqual(['trigger.jitterSeconds']);
    expect(paths(validateTrigger({ ...base, jitterSeconds: -1 }))).toEqual(['trigger.jitterSeconds']);
    expect(paths(validateTrigger({ ...base, startAt: '2026-02-30T00:00:00Z' }))).toEqual(['trigger.startAt']);
    expect(paths(validateTrigger({ ...base, endAt: 'tomorrow' }))).toEqual(['trigger.endAt']);
  });

  it('rejects a date trigger whose `at` is not an instant with an offset', () => {
    expect(paths(validateTrigger({ type: 'date', at: '2026-06-01T09:00:00' }))).toEqual(['trigger.at']);
  });

  it('rejects an unknown trigger type', () => {
    expect(paths(validateTrigger({ type: 'weekly' } as unknown as Trigger))).toEqual(['trigger.type']);
  });

  it('does not let a caller change the cached result', () => {
    const first = validateTrigger(cron('70 * * * *'));
    first.push({ path: 'x', message: 'y' });
    expect(validateTrigger(cron('70 * * * *'))).toHaveLength(1);
  });
});

describe('computing on an invalid trigger', () => {
  const context = { anchor: new Date('2026-01-01T00:00:00Z'), seed: 's' };

  it('throws a validation SchedulerError carrying the same details', () => {
    let thrown: unknown;
    try {
      nextFireTime(cron('0 0 * * *', 'Mars/Olympus'), new Date('2026-01-01T00:00:00Z'), context);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(SchedulerError);
    expect((thrown as SchedulerError).code).toBe('validation');
    expect(paths((thrown as SchedulerError).details ?? [])).toEqual(['trigger.timezone']);
  });

  it('throws on an invalid `after`', () => {
    expect(() => nextFireTime(cron('0 0 * * *'), new Date(Number.NaN), context)).toThrow(
      /after: must be a valid Date/,
    );
  });
});
