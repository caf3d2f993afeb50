import type { Job } from '@schedulezero/protocol';
import { describe, expect, it } from 'vitest';
import { planFires } from '../../../src/planner.ts';
import type { MasterStore } from '../../../src/store/roles.ts';
import { createSchedules, type StoreHarness, scheduleDraft } from './fixtures.ts';

/**
 * A restart after downtime, as docs/scheduling.md ("Misfires and coalescing") tells it: the store
 * is closed, reopened on the same database later, and acquires with the real planner. The times
 * are the page's example: an every-minute schedule with `misfireGraceSeconds: 90`, the master down
 * from 10:00:30 to 10:10:30, so 10:01 … 10:10 are due and 10:09 and 10:10 are within the grace.
 */

const minute = (value: number) => new Date(Date.UTC(2026, 2, 1, 10, value));
const DOWN_AT = new Date('2026-03-01T10:00:30.000Z');
const BACK_AT = new Date('2026-03-01T10:10:30.000Z');

/** A job as the history shows it: what runs, and the missed records with their range and count. */
interface Row {
  status: Job['status'];
  scheduledAt: Date;
  code?: string;
  missedUntil?: Date | null;
  missedCount?: number | null;
}

async function history(store: MasterStore, scheduleId: string): Promise<Row[]> {
  const { items } = await store.listJobs({ scheduleId, limit: 100 });
  return items
    .map((job): Row => {
      if (job.status !== 'missed') return { status: job.status, scheduledAt: job.scheduledAt };
      return {
        status: job.status,
        scheduledAt: job.scheduledAt,
        code: job.error?.code,
        missedUntil: job.missedUntil,
        missedCount: job.missedCount,
      };
    })
    .sort((a, b) => a.scheduledAt.getTime() - b.scheduledAt.getTime() || a.status.localeCompare(b.status));
}

export function downtimeContract(h: StoreHarness): void {
  describe('restart after downtime (the real planner)', () => {
    it('applies misfire grace, coalesce latest / earliest / all and maxInstances to the fire times missed while down', async () => {
      // maxInstances 5: room for every run, so that only the one schedule with 1 shows its effect.
      const base = {
        trigger: { type: 'cron', expression: '0 * * * * *', timezone: 'UTC' },
        misfireGraceSeconds: 90,
        maxInstances: 5,
        nextRunAt: minute(1),
      } as const;
      await createSchedules(
        h.store,
        [
          scheduleDraft('latest', { ...base, coalesce: 'latest' }),
          scheduleDraft('earliest', { ...base, coalesce: 'earliest' }),
          scheduleDraft('all', { ...base, coalesce: 'all' }),
          scheduleDraft('all-one-instance', { ...base, coalesce: 'all', maxInstances: 1 }),
        ],
        DOWN_AT,
      );
      // Nothing is due before the master goes down; then it is gone for ten minutes.
      expect(await h.store.acquireDueSchedules(DOWN_AT, 10, planFires)).toEqual([]);
      await h.store.close();

      const restarted = await h.open();
      const inserted = await restarted.acquireDueSchedules(BACK_AT, 10, planFires);
      const misfire = (from: number, until: number): Row => ({
        status: 'missed',
        scheduledAt: minute(from),
        code: 'misfire',
        missedUntil: minute(until),
        missedCount: until - from + 1,
      });
      const pending = (at: number): Row => ({ status: 'pending', scheduledAt: minute(at) });

      // latest: runs 10:10; one missed record covers 10:01 … 10:09 (the late ones and the coalesced 10:09).
      expect(await history(restarted, 'latest')).toEqual([misfire(1, 9), pending(10)]);
      // earliest: runs 10:09, the oldest on-time one; late 10:01 … 10:08 and the coalesced 10:10
      // are one record, whose range runs from the first to the last of them.
      expect(await history(restarted, 'earliest')).toEqual([
        { ...misfire(1, 10), missedCount: 9 },
        pending(9),
      ]);
      // all: runs each on-time fire; only the late ones are missed.
      expect(await history(restarted, 'all')).toEqual([misfire(1, 8), pending(9), pending(10)]);
      // all, but maxInstances 1: the oldest on-time fire runs, the other is missed for max_instances.
      expect(await history(restarted, 'all-one-instance')).toEqual([
        misfire(1, 8),
        pending(9),
        {
          status: 'missed',
          scheduledAt: minute(10),
          code: 'max_instances',
          missedUntil: minute(10),
          missedCount: 1,
        },
      ]);
      expect(inserted).toHaveLength(2 + 2 + 3 + 3);

      // Every schedule goes on from the next fire after the restart, with the last run it made.
      for (const [id, lastRun] of [
        ['latest', 10],
        ['earliest', 9],
        ['all', 10],
        ['all-one-instance', 9],
      ] as const) {
        expect(await restarted.getSchedule(id)).toMatchObject({
          nextRunAt: minute(11),
          lastRunAt: minute(lastRun),
        });
      }

      // Another restart at the same instant finds nothing due: no fire time is planned twice.
      await restarted.close();
      const again = await h.open();
      expect(await again.acquireDueSchedules(BACK_AT, 10, planFires)).toEqual([]);
      expect((await again.countJobsByStatus()).pending).toBe(5);
    });
  });
}
