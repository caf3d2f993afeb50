import { describe, expect, it } from 'vitest';
import { nextFireTime, nextFireTimes } from '../../src/triggers/next-fire-time.ts';

const context = { anchor: new Date('2026-01-01T00:00:00Z'), seed: 'date-test' };
const once = { type: 'date', at: '2026-06-01T09:00:00+02:00' } as const;

describe('date triggers', () => {
  it('fires once at `at` when it is after `after`', () => {
    expect(nextFireTime(once, new Date('2026-05-01T00:00:00Z'), context)?.toISOString()).toBe(
      '2026-06-01T07:00:00.000Z',
    );
    expect(
      nextFireTimes(once, new Date('2026-05-01T00:00:00Z'), 3, context).map((d) => d.toISOString()),
    ).toEqual(['2026-06-01T07:00:00.000Z']);
  });

  it('has no next fire once `at` is reached or in the past', () => {
    expect(nextFireTime(once, new Date('2026-06-01T07:00:00Z'), context)).toBeNull();
    expect(nextFireTime(once, new Date('2026-06-01T07:00:00.001Z'), context)).toBeNull();
    expect(nextFireTime(once, new Date('2030-01-01T00:00:00Z'), context)).toBeNull();
  });
});
