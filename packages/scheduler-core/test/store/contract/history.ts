import type { Job } from '@schedulezero/protocol';
import { describe, expect, it } from 'vitest';
import { SchedulerError } from '../../../src/errors.ts';
import {
  at,
  createSchedules,
  finishJob,
  manualJob,
  oneSchedule,
  type StoreHarness,
  scheduleDraft,
} from './fixtures.ts';

export function historyContract(h: StoreHarness): void {
  describe('job history', () => {
    it('lists jobs newest first in pages, filtered by schedule and status', async () => {
      const [s1, s2] = await createSchedules(h.store, [
        scheduleDraft('s1', { maxInstances: 100 }),
        scheduleDraft('s2', { maxInstances: 100 }),
      ]);
      if (s1 === undefined || s2 === undefined) throw new Error('fixture');
      const created: Job[] = [];
      for (let second = 0; second < 7; second += 1) created.push(await manualJob(h.store, s1, at(second)));
      // Same fire time on two schedules: the id breaks the tie.
      created.push(await manualJob(h.store, s2, at(3), { id: 'zz-tie' }));
      created.push(await manualJob(h.store, s2, at(10)));
      await h.store.claimJobs({ now: at(1), limit: 2, claimedBy: 'n1' });

      const expected = [...created].sort(
        (a, b) => b.scheduledAt.getTime() - a.scheduledAt.getTime() || (a.id < b.id ? 1 : -1),
      );
      const pages: Job[][] = [];
      let cursor: string | undefined;
      do {
        const page = await h.store.listJobs({ limit: 3, cursor });
        pages.push(page.items);
        cursor = page.nextCursor ?? undefined;
      } while (cursor !== undefined);
      expect(pages.map((page) => page.length)).toEqual([3, 3, 3]);
      expect(pages.flat().map((job) => job.id)).toEqual(expected.map((job) => job.id));
      expect(pages.flat().find((job) => job.id === 'zz-tie')).toBeDefined();

      const s2Jobs = await h.store.listJobs({ limit: 10, scheduleId: 's2' });
      expect(s2Jobs.items.map((job) => job.scheduledAt)).toEqual([at(10), at(3)]);
      expect(s2Jobs.nextCursor).toBeNull();
      const running = await h.store.listJobs({ limit: 1, status: 'running' });
      expect(running.items.map((job) => job.scheduledAt)).toEqual([at(1)]);
      const more = await h.store.listJobs({ limit: 1, status: 'running', cursor: running.nextCursor ?? '' });
      expect(more.items.map((job) => job.scheduledAt)).toEqual([at(0)]);
      expect(more.nextCursor).toBeNull();
      expect((await h.store.listJobs({ limit: 5, scheduleId: 's1', status: 'succeeded' })).items).toEqual([]);
      await expect(h.store.listJobs({ limit: 2, cursor: 'x' })).rejects.toBeInstanceOf(SchedulerError);
    });

    it('counts jobs by status, every status included', async () => {
      const schedule = await oneSchedule(h.store);
      expect(await h.store.countJobsByStatus()).toEqual({
        pending: 0,
        running: 0,
        succeeded: 0,
        failed: 0,
        timed_out: 0,
        cancelled: 0,
        missed: 0,
      });
      for (let second = 0; second < 4; second += 1) await manualJob(h.store, schedule, at(second));
      await manualJob(h.store, schedule, at(9), { status: 'missed' });
      const [first] = await h.store.claimJobs({ now: at(1), limit: 2, claimedBy: 'n1' });
      await finishJob(h.store, {
        jobId: first?.id ?? '',
        attempt: 1,
        finishedAt: at(2),
        outcome: { status: 'cancelled', error: { code: 'cancelled', message: 'by operator' } },
      });
      expect(await h.store.countJobsByStatus()).toEqual({
        pending: 2,
        running: 1,
        succeeded: 0,
        failed: 0,
        timed_out: 0,
        cancelled: 1,
        missed: 1,
      });
    });
  });
}
