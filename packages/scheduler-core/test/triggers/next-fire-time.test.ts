import { describe, expect, it } from 'vitest';
import { MAX_FIRE_TIMES, nextFireTimes, previewNext } from '../../src/triggers/next-fire-time.ts';

const context = { anchor: new Date('2026-01-01T00:00:00Z'), seed: 's' };

function iso(dates: Date[]): string[] {
  return dates.map((date) => date.toISOString());
}

describe('previewNext', () => {
  it('anchors an interval without startAt at `from`', () => {
    const from = new Date('2026-04-01T12:00:00Z');
    expect(iso(previewNext({ type: 'interval', seconds: 600 }, 3, from))).toEqual([
      '2026-04-01T12:10:00.000Z',
      '2026-04-01T12:20:00.000Z',
      '2026-04-01T12:30:00.000Z',
    ]);
  });

  it('computes cron fire times from `from`', () => {
    // Noon in Berlin in April (CEST) is 10:00Z.
    const trigger = { type: 'cron', expression: '0 12 * * *', timezone: 'Europe/Berlin' } as const;
    expect(iso(previewNext(trigger, 2, new Date('2026-04-01T12:00:00Z')))).toEqual([
      '2026-04-02T10:00:00.000Z',
      '2026-04-03T10:00:00.000Z',
    ]);
  });

  it('starts from now by default', () => {
    const before = Date.now();
    const [first] = previewNext({ type: 'cron', expression: '* * * * * *', timezone: 'UTC' }, 1);
    expect(first?.getTime()).toBeGreaterThan(before);
    expect(first?.getTime()).toBeLessThanOrEqual(Date.now() + 1000);
  });
});

describe('nextFireTimes', () => {
  const everyMinute = { type: 'cron', expression: '* * * * *', timezone: 'UTC' } as const;

  it('returns nothing for count 0', () => {
    expect(nextFireTimes(everyMinute, new Date('2026-01-01T00:00:00Z'), 0, context)).toEqual([]);
  });

  it('rejects a count outside 0..MAX_FIRE_TIMES', () => {
    const after = new Date('2026-01-01T00:00:00Z');
    expect(() => nextFireTimes(everyMinute, after, -1, context)).toThrow(/count/);
    expect(() => nextFireTimes(everyMinute, after, 1.5, context)).toThrow(/count/);
    expect(() => nextFireTimes(everyMinute, after, MAX_FIRE_TIMES + 1, context)).toThrow(/count/);
    expect(nextFireTimes(everyMinute, after, MAX_FIRE_TIMES, context)).toHaveLength(MAX_FIRE_TIMES);
  });

  it('needs a valid anchor only for an interval without startAt', () => {
    const badAnchor = { anchor: new Date(Number.NaN), seed: 's' };
    const after = new Date('2026-01-01T00:00:00Z');
    expect(() => nextFireTimes({ type: 'interval', seconds: 60 }, after, 1, badAnchor)).toThrow(
      /context.anchor/,
    );
    expect(
      iso(
        nextFireTimes(
          { type: 'interval', seconds: 60, startAt: '2026-01-01T00:00:00Z' },
          after,
          1,
          badAnchor,
        ),
      ),
    ).toEqual(['2026-01-01T00:01:00.000Z']);
  });
});
