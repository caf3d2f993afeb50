import type { IntervalTrigger } from '@schedulezero/protocol';
import { describe, expect, it } from 'vitest';
import { nextFireTime, nextFireTimes } from '../../src/triggers/next-fire-time.ts';

const context = { anchor: new Date('2026-05-05T10:00:00.000Z'), seed: 'interval-test' };

function interval(fields: Omit<IntervalTrigger, 'type'>): IntervalTrigger {
  return { type: 'interval', ...fields };
}

function next(trigger: IntervalTrigger, after: string, count: number, ctx = context): string[] {
  return nextFireTimes(trigger, new Date(after), count, ctx).map((date) => date.toISOString());
}

describe('interval triggers without jitter', () => {
  it('counts from the anchor when there is no startAt', () => {
    // 10:00:00 + k * 90 s: 10:01:30, 10:03:00, 10:04:30, 10:06:00.
    expect(next(interval({ seconds: 90 }), '2026-05-05T10:04:00Z', 2)).toEqual([
      '2026-05-05T10:04:30.000Z',
      '2026-05-05T10:06:00.000Z',
    ]);
    // k = 0 is the anchor itself; it is not strictly after the anchor.
    expect(next(interval({ seconds: 90 }), '2026-05-05T10:00:00Z', 1)).toEqual(['2026-05-05T10:01:30.000Z']);
    expect(next(interval({ seconds: 90 }), '2026-05-05T09:59:59.999Z', 1)).toEqual([
      '2026-05-05T10:00:00.000Z',
    ]);
  });

  it('counts from startAt, ignoring the anchor, and fires at startAt when it is still ahead', () => {
    // startAt 01:00+01:00 is 00:00Z.
    const hourly = interval({ seconds: 3600, startAt: '2026-01-01T01:00:00+01:00' });
    expect(next(hourly, '2025-12-31T00:00:00Z', 2)).toEqual([
      '2026-01-01T00:00:00.000Z',
      '2026-01-01T01:00:00.000Z',
    ]);
    // Far from the origin: 2026-03-01T12:34Z is past 12:00Z, so 13:00Z.
    expect(next(hourly, '2026-03-01T12:34:00Z', 1)).toEqual(['2026-03-01T13:00:00.000Z']);
  });

  it('stops at endAt (inclusive) and is exhausted after it', () => {
    const trigger = interval({
      seconds: 3600,
      startAt: '2026-01-01T00:00:00Z',
      endAt: '2026-01-01T03:00:00Z',
    });
    expect(next(trigger, '2025-12-31T00:00:00Z', 10)).toEqual([
      '2026-01-01T00:00:00.000Z',
      '2026-01-01T01:00:00.000Z',
      '2026-01-01T02:00:00.000Z',
      '2026-01-01T03:00:00.000Z',
    ]);
    expect(nextFireTime(trigger, new Date('2026-01-01T03:00:00Z'), context)).toBeNull();
    expect(nextFireTime(trigger, new Date('2027-01-01T00:00:00Z'), context)).toBeNull();
  });

  it('is exhausted when endAt lies before the anchor', () => {
    const trigger = interval({ seconds: 60, endAt: '2026-05-05T09:00:00Z' });
    expect(nextFireTime(trigger, new Date('2026-05-05T08:00:00Z'), context)).toBeNull();
  });

  it('keeps millisecond precision for fractional seconds', () => {
    expect(next(interval({ seconds: 1.5 }), '2026-05-05T10:00:00Z', 3)).toEqual([
      '2026-05-05T10:00:01.500Z',
      '2026-05-05T10:00:03.000Z',
      '2026-05-05T10:00:04.500Z',
    ]);
  });
});

describe('interval triggers with jitter', () => {
  // Hand-checked with `printf 'sched-1:1767225600000' | sha256sum` -> a4bce363ba05...:
  // h = 0xa4bce363ba05 = 181131175770629, offset = floor(h * 30001 / 2^48) = 19305 ms.
  // `printf 'sched-1:1767225660000' | sha256sum` -> f7a3e09ad449... -> 29021 ms.
  // `printf 'sched-2:1767225600000' | sha256sum` -> 9c2504ee4e86... -> 18298 ms.
  // (1767225600000 = 2026-01-01T00:00:00Z.)
  const jittered = interval({ seconds: 60, jitterSeconds: 30, startAt: '2026-01-01T00:00:00Z' });
  const sched1 = { anchor: new Date('2020-01-01T00:00:00Z'), seed: 'sched-1' };

  it('moves each base time by the documented hash of seed and base time', () => {
    expect(next(jittered, '2025-12-31T23:59:59Z', 2, sched1)).toEqual([
      '2026-01-01T00:00:19.305Z',
      '2026-01-01T00:01:29.021Z',
    ]);
    expect(next(jittered, '2025-12-31T23:59:59Z', 1, { ...sched1, seed: 'sched-2' })).toEqual([
      '2026-01-01T00:00:18.298Z',
    ]);
  });

  it('finds a fire whose base time is before `after` but whose jittered time is after it', () => {
    // Base 00:01:00 fires at 00:01:29.021, so from 00:01:10 the answer is that fire, not base 00:02:00's.
    expect(next(jittered, '2026-01-01T00:01:10Z', 1, sched1)).toEqual(['2026-01-01T00:01:29.021Z']);
    expect(next(jittered, '2026-01-01T00:00:19.305Z', 1, sched1)).toEqual(['2026-01-01T00:01:29.021Z']);
    expect(next(jittered, '2026-01-01T00:00:19.304Z', 1, sched1)).toEqual(['2026-01-01T00:00:19.305Z']);
  });

  it('is deterministic: the same schedule computes the same times from any starting point', () => {
    const run = next(jittered, '2026-01-01T00:00:00Z', 50, sched1);
    expect(next(jittered, '2026-01-01T00:00:00Z', 50, sched1)).toEqual(run);
    // Resuming from any fire yields the rest of the same sequence.
    expect(next(jittered, run[19] ?? '', 30, sched1)).toEqual(run.slice(20));
  });

  it('stays within [base, base + jitterSeconds] and keeps one fire per interval, in order', () => {
    const start = Date.parse('2026-01-01T00:00:00Z');
    const times = nextFireTimes(jittered, new Date(start - 1), 500, sched1).map((date) => date.getTime());
    expect(times).toHaveLength(500);
    times.forEach((time, k) => {
      const base = start + k * 60_000;
      expect(time).toBeGreaterThanOrEqual(base);
      expect(time).toBeLessThanOrEqual(base + 30_000);
    });
    // Spread: 500 uniform draws over 30 s land on both halves of the window.
    const offsets = times.map((time, k) => time - (start + k * 60_000));
    expect(offsets.some((offset) => offset < 15_000)).toBe(true);
    expect(offsets.some((offset) => offset > 15_000)).toBe(true);
  });

  it('gives different schedules different offsets', () => {
    const a = next(jittered, '2026-01-01T00:00:00Z', 20, sched1);
    const b = next(jittered, '2026-01-01T00:00:00Z', 20, { ...sched1, seed: 'sched-2' });
    expect(a).not.toEqual(b);
  });

  it('drops a last fire whose jitter would cross endAt', () => {
    // Base 00:01:00 would fire at 00:01:29.021, after endAt 00:01:20; base 00:00:00's fire remains.
    const bounded = { ...jittered, endAt: '2026-01-01T00:01:20Z' };
    expect(next(bounded, '2025-12-31T23:00:00Z', 5, sched1)).toEqual(['2026-01-01T00:00:19.305Z']);
    expect(nextFireTime(bounded, new Date('2026-01-01T00:00:19.305Z'), sched1)).toBeNull();
  });
});
