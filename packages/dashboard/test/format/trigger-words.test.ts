import { describe, expect, it } from 'vitest';
import { describeCron, describeTrigger } from '../../src/format/trigger-words.ts';

describe('describeTrigger', () => {
  it.each([
    ['0 9 * * *', 'every day at 09:00'],
    ['30 7 * * 1-5', 'every weekday at 07:30'],
    ['0 18 * * 5', 'every Friday at 18:00'],
    ['0 8,20 * * *', 'every day at 08:00 and 20:00'],
    ['*/5 * * * *', 'every 5 minutes'],
    ['* * * * *', 'every minute'],
    ['15 * * * *', 'every hour at minute 15'],
    ['0 */2 * * *', 'every 2 hours at minute 0'],
    ['0 6 1 * *', 'on day 1 of every month at 06:00'],
    ['0 0 9 * * *', 'every day at 09:00'],
    ['*/10 * * * * *', 'every 10 seconds'],
    ['0 9 * * SAT,SUN', 'every weekend day at 09:00'],
  ])('%s reads "%s"', (expression, words) => {
    expect(describeCron(expression)).toBe(words);
  });

  it('names the time zone', () => {
    expect(describeTrigger({ type: 'cron', expression: '0 9 * * *', timezone: 'Europe/Berlin' })).toBe(
      'every day at 09:00 Europe/Berlin',
    );
  });

  it('falls back to the expression for uncommon shapes', () => {
    expect(describeCron('0 9 1-7 * 1')).toBeUndefined();
    expect(describeCron('5-10 9 * * *')).toBeUndefined();
    expect(describeCron('0 9 * 1 *')).toBeUndefined();
    expect(describeTrigger({ type: 'cron', expression: '0 9 * 1 *', timezone: 'UTC' })).toBe(
      'cron 0 9 * 1 * UTC',
    );
  });

  it('describes intervals and dates', () => {
    expect(describeTrigger({ type: 'interval', seconds: 300 })).toBe('every 5 minutes');
    expect(describeTrigger({ type: 'interval', seconds: 3600 })).toBe('every hour');
    expect(describeTrigger({ type: 'interval', seconds: 90 })).toBe('every 90 seconds');
    expect(describeTrigger({ type: 'interval', seconds: 1.5 })).toBe('every 1.5 seconds');
    expect(describeTrigger({ type: 'date', at: '2030-01-01T00:00:00Z' })).toBe(
      'once at 2030-01-01 00:00:00Z',
    );
  });
});
