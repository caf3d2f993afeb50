import { describe, expect, it } from 'vitest';
import { validateTrigger } from '../../src/triggers/validate-trigger.ts';

/** The message the API answers for a cron expression that never fires. */
function message(expression: string): string {
  const errors = validateTrigger({ type: 'cron', expression, timezone: 'UTC' });
  expect(errors.map((error) => error.path)).toEqual(['trigger.expression']);
  return errors[0]?.message ?? '';
}

describe('the never-fires message', () => {
  it.each([
    ['0 0 31 2 *', 'day 31 is not in February (at most 29 days)'],
    ['0 0 30-31 2 ?', 'days 30 and 31 are not in February (at most 29 days)'],
    ['0 0 31 4,6 *', 'day 31 is not in April (30 days) or June (30 days)'],
    ['0 0 0 31 APR *', 'day 31 is not in April (30 days)'],
  ])('names the days the months of %j do not have', (expression, cause) => {
    expect(message(expression)).toBe(`never fires: no date in any year matches "${expression}": ${cause}`);
  });

  it.each([
    '0 0 31 2 +MON', // the day ANDed with a weekday
    '0 0 31W 4 *', // the weekday nearest a day April does not have
    '0 0 30 2 +*',
  ])('stays neutral for %j, which no month length explains', (expression) => {
    const text = message(expression);
    expect(text).toBe(`never fires: no date in any year matches "${expression}"`);
    expect(text).not.toMatch(/month that has|days\)/);
  });
});
