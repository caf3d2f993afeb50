import type { CronTrigger } from '@schedulezero/protocol';
import { describe, expect, it } from 'vitest';
import { nextFireTime, nextFireTimes } from '../../src/triggers/next-fire-time.ts';

// Every expected instant below was worked out by hand from the calendar and the zone's offsets
// (Berlin: CET = UTC+1, CEST = UTC+2; New York: EST = UTC-5, EDT = UTC-4), not read back from the code.

const context = { anchor: new Date('2026-01-01T00:00:00Z'), seed: 'cron-test' };

function cron(expression: string, timezone = 'UTC'): CronTrigger {
  return { type: 'cron', expression, timezone };
}

function next(trigger: CronTrigger, after: string, count: number): string[] {
  return nextFireTimes(trigger, new Date(after), count, context).map((date) => date.toISOString());
}

describe('cron triggers', () => {
  it('fires every second with a 6-field expression, strictly after `after`', () => {
    expect(next(cron('* * * * * *'), '2026-01-01T00:00:00.000Z', 3)).toEqual([
      '2026-01-01T00:00:01.000Z',
      '2026-01-01T00:00:02.000Z',
      '2026-01-01T00:00:03.000Z',
    ]);
    // A fractional `after` goes to the next whole second, not back to the one it is in.
    expect(next(cron('* * * * * *'), '2026-01-01T00:00:00.500Z', 1)).toEqual(['2026-01-01T00:00:01.000Z']);
    expect(next(cron('* * * * * *'), '2026-12-31T23:59:59.000Z', 1)).toEqual(['2027-01-01T00:00:00.000Z']);
  });

  it('reads 5 fields as minute first (seconds = 0) and 6 fields as seconds first', () => {
    // "15 10 * * *" = 10:15:00 daily; "15 10 * * * *" = second 15 of every minute of hour 10.
    expect(next(cron('15 10 * * *'), '2026-01-01T00:00:00Z', 2)).toEqual([
      '2026-01-01T10:15:00.000Z',
      '2026-01-02T10:15:00.000Z',
    ]);
    expect(next(cron('15 10 * * * *'), '2026-01-01T00:00:00Z', 2)).toEqual([
      '2026-01-01T00:10:15.000Z',
      '2026-01-01T01:10:15.000Z',
    ]);
  });

  it('handles day-of-week ranges and names; 0 and 7 are both Sunday', () => {
    // 2026-01-01 is a Thursday, so 01-02 is a Friday and 01-05 the next Monday.
    expect(next(cron('0 9 * * MON-FRI'), '2026-01-02T10:00:00Z', 3)).toEqual([
      '2026-01-05T09:00:00.000Z',
      '2026-01-06T09:00:00.000Z',
      '2026-01-07T09:00:00.000Z',
    ]);
    expect(next(cron('0 0 * * 0'), '2026-01-01T00:00:00Z', 1)).toEqual(['2026-01-04T00:00:00.000Z']);
    expect(next(cron('0 0 * * 7'), '2026-01-01T00:00:00Z', 1)).toEqual(['2026-01-04T00:00:00.000Z']);
  });

  it('ORs day-of-month and day-of-week like Vixie cron, and ANDs them with "+"', () => {
    // The 13th, or any Friday: Fri 01-02, Fri 01-09, Tue 01-13, Fri 01-16.
    expect(next(cron('0 0 13 * FRI'), '2026-01-01T00:00:00Z', 4)).toEqual([
      '2026-01-02T00:00:00.000Z',
      '2026-01-09T00:00:00.000Z',
      '2026-01-13T00:00:00.000Z',
      '2026-01-16T00:00:00.000Z',
    ]);
    // Friday the 13th: the first in 2026 is in February (Feb 1 is a Sunday, so Feb 13 is a Friday),
    // then March (Feb has 28 days, so Mar 13 is a Friday too), then November.
    expect(next(cron('0 0 13 * +FRI'), '2026-01-01T00:00:00Z', 3)).toEqual([
      '2026-02-13T00:00:00.000Z',
      '2026-03-13T00:00:00.000Z',
      '2026-11-13T00:00:00.000Z',
    ]);
  });

  it('fires on the last day of each month with L, including Feb 29 in a leap year', () => {
    expect(next(cron('0 0 L * *'), '2026-01-15T00:00:00Z', 4)).toEqual([
      '2026-01-31T00:00:00.000Z',
      '2026-02-28T00:00:00.000Z',
      '2026-03-31T00:00:00.000Z',
      '2026-04-30T00:00:00.000Z',
    ]);
    expect(next(cron('30 0 0 L * *'), '2028-02-01T00:00:00Z', 1)).toEqual(['2028-02-29T00:00:30.000Z']);
    // Last Friday: Jan 2026 Fridays are 2, 9, 16, 23, 30; Feb 2026 Fridays are 6, 13, 20, 27.
    expect(next(cron('0 0 * * FRI#L'), '2026-01-01T00:00:00Z', 2)).toEqual([
      '2026-01-30T00:00:00.000Z',
      '2026-02-27T00:00:00.000Z',
    ]);
  });

  it('finds the next Feb 29, skipping 2100 which is not a leap year', () => {
    expect(next(cron('0 0 29 2 *'), '2026-01-01T00:00:00Z', 2)).toEqual([
      '2028-02-29T00:00:00.000Z',
      '2032-02-29T00:00:00.000Z',
    ]);
    expect(next(cron('0 0 29 2 *'), '2028-02-29T00:00:00Z', 1)).toEqual(['2032-02-29T00:00:00.000Z']);
    expect(next(cron('0 0 29 2 *'), '2096-03-01T00:00:00Z', 1)).toEqual(['2104-02-29T00:00:00.000Z']);
  });

  it('treats UTC aliases as UTC', () => {
    for (const zone of ['UTC', 'utc', 'Etc/UTC', 'GMT', 'Zulu']) {
      expect(next(cron('0 9 * * *', zone), '2026-07-10T00:00:00Z', 1)).toEqual(['2026-07-10T09:00:00.000Z']);
    }
  });

  it('reads the expression as wall-clock time in its zone', () => {
    // 09:00 in Berlin in January (CET) is 08:00Z; in July (CEST) it is 07:00Z.
    expect(next(cron('0 9 * * *', 'Europe/Berlin'), '2026-01-10T00:00:00Z', 1)).toEqual([
      '2026-01-10T08:00:00.000Z',
    ]);
    expect(next(cron('0 9 * * *', 'Europe/Berlin'), '2026-07-10T00:00:00Z', 1)).toEqual([
      '2026-07-10T07:00:00.000Z',
    ]);
  });
});

describe('cron triggers across DST in Europe/Berlin', () => {
  // 2026-03-29: 02:00 CET -> 03:00 CEST (01:00Z); 2026-10-25: 03:00 CEST -> 02:00 CET (01:00Z).
  const daily0230 = cron('30 2 * * *', 'Europe/Berlin');

  it('fires a time in the spring-forward gap once, at the first valid instant after it', () => {
    expect(next(daily0230, '2026-03-27T12:00:00Z', 4)).toEqual([
      '2026-03-28T01:30:00.000Z', // 02:30 CET
      '2026-03-29T01:00:00.000Z', // 02:30 does not exist: 03:00 CEST
      '2026-03-30T00:30:00.000Z', // 02:30 CEST
      '2026-03-31T00:30:00.000Z',
    ]);
    // Right after the moved fire, the next one is the next day's, not a second one at 03:00.
    expect(next(daily0230, '2026-03-29T01:00:00Z', 1)).toEqual(['2026-03-30T00:30:00.000Z']);
    expect(next(daily0230, '2026-03-29T00:59:59Z', 1)).toEqual(['2026-03-29T01:00:00.000Z']);
  });

  it('fires a time in the repeated fall-back hour once, at its first occurrence', () => {
    expect(next(daily0230, '2026-10-24T12:00:00Z', 3)).toEqual([
      '2026-10-25T00:30:00.000Z', // 02:30 CEST, the first pass
      '2026-10-26T01:30:00.000Z', // 02:30 CET the next day
      '2026-10-27T01:30:00.000Z',
    ]);
    // From between the two passes, the second 02:30 (01:30Z) is not a fire time.
    expect(nextFireTime(daily0230, new Date('2026-10-25T00:30:00Z'), context)?.toISOString()).toBe(
      '2026-10-26T01:30:00.000Z',
    );
    expect(nextFireTime(daily0230, new Date('2026-10-25T01:00:00Z'), context)?.toISOString()).toBe(
      '2026-10-26T01:30:00.000Z',
    );
  });

  it('treats every time of a list as a fixed time', () => {
    const twiceDaily = cron('30 2,14 * * *', 'Europe/Berlin');
    expect(next(twiceDaily, '2026-03-28T12:00:00Z', 3)).toEqual([
      '2026-03-28T13:30:00.000Z', // 14:30 CET
      '2026-03-29T01:00:00.000Z', // 02:30 in the gap: 03:00 CEST
      '2026-03-29T12:30:00.000Z', // 14:30 CEST
    ]);
    expect(next(twiceDaily, '2026-10-24T20:00:00Z', 3)).toEqual([
      '2026-10-25T00:30:00.000Z', // 02:30 CEST only
      '2026-10-25T13:30:00.000Z', // 14:30 CET
      '2026-10-26T01:30:00.000Z',
    ]);
  });

  it('fires two gap times that meet at 03:00 once', () => {
    // 02:00 and 02:30 both move to 03:00 CEST, which is also a fire time itself.
    expect(next(cron('0 0,30 2,3 * * *', 'Europe/Berlin'), '2026-03-29T00:00:00Z', 3)).toEqual([
      '2026-03-29T01:00:00.000Z',
      '2026-03-29T01:30:00.000Z',
      '2026-03-30T00:00:00.000Z',
    ]);
  });

  it('keeps the real-time cadence of repeating patterns through both switches', () => {
    const halfHourly = cron('*/30 * * * *', 'Europe/Berlin');
    // Spring: 01:30 CET, then 03:00 CEST — 30 real minutes later; 02:00 and 02:30 do not exist.
    expect(next(halfHourly, '2026-03-29T00:15:00Z', 3)).toEqual([
      '2026-03-29T00:30:00.000Z',
      '2026-03-29T01:00:00.000Z',
      '2026-03-29T01:30:00.000Z',
    ]);
    // Fall: both passes of 02:00-02:59 run, every 30 real minutes without a one-hour hole.
    expect(next(halfHourly, '2026-10-24T23:45:00Z', 5)).toEqual([
      '2026-10-25T00:00:00.000Z', // 02:00 CEST
      '2026-10-25T00:30:00.000Z', // 02:30 CEST
      '2026-10-25T01:00:00.000Z', // 02:00 CET
      '2026-10-25T01:30:00.000Z', // 02:30 CET
      '2026-10-25T02:00:00.000Z', // 03:00 CET
    ]);
  });
});

describe('cron triggers across DST in America/New_York', () => {
  // 2026-03-08: 02:00 EST -> 03:00 EDT (07:00Z); 2026-11-01: 02:00 EDT -> 01:00 EST (06:00Z).
  it('fires 02:30 on the spring-forward day once, at 03:00 EDT', () => {
    expect(next(cron('30 2 * * *', 'America/New_York'), '2026-03-06T12:00:00Z', 3)).toEqual([
      '2026-03-07T07:30:00.000Z', // 02:30 EST
      '2026-03-08T07:00:00.000Z', // 03:00 EDT
      '2026-03-09T06:30:00.000Z', // 02:30 EDT
    ]);
  });

  it('fires 01:30 on the fall-back day once, at 01:30 EDT', () => {
    const daily0130 = cron('30 1 * * *', 'America/New_York');
    expect(next(daily0130, '2026-10-31T12:00:00Z', 3)).toEqual([
      '2026-11-01T05:30:00.000Z', // 01:30 EDT
      '2026-11-02T06:30:00.000Z', // 01:30 EST
      '2026-11-03T06:30:00.000Z',
    ]);
    // 06:30Z is 01:30 EST on the fall-back day: the second pass, which does not fire.
    expect(nextFireTime(daily0130, new Date('2026-11-01T05:30:00Z'), context)?.toISOString()).toBe(
      '2026-11-02T06:30:00.000Z',
    );
  });
});
