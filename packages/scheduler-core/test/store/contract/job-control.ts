import { describe, expect, it } from 'vitest';
import { at, jobDraft, manualJob, oneSchedule, type StoreHarness } from './fixtures.ts';

/** Hand back, cancel and re-run: the operations on one job outside claim and finish. */
export function jobControlContract(h: StoreHarness): void {
  describe('job control', () => {
    it('hands a claimed job back as it was before the claim, fenced on its attempt', async () => {
      const schedule = await oneSchedule(h.store, 5);
      const job = await manualJob(h.store, schedule, at(1));
      const [claimed] = await h.store.claimJobs({ now: at(2), limit: 1, claimedBy: 'n1' });
      expect(claimed).toMatchObject({ id: job.id, status: 'running', attempt: 1, handlerId: null });
      // A stale attempt number changes nothing.
      await h.store.releaseJobs([{ jobId: job.id, attempt: 2 }], at(3));
      expect(await h.store.getJob(job.id)).toMatchObject({ status: 'running', attempt: 1 });
      await h.store.releaseJobs([{ jobId: job.id, attempt: 1 }], at(3));
      expect(await h.store.getJob(job.id)).toMatchObject({
        status: 'pending',
        attempt: 0,
        handlerId: null,
        startedAt: null,
        notBefore: at(1),
        updatedAt: at(3),
      });
      const [again] = await h.store.claimJobs({ now: at(4), limit: 1, claimedBy: 'n1' });
      expect(again).toMatchObject({ id: job.id, attempt: 1, startedAt: at(4) });
    });

    it('cancels a pending job only', async () => {
      const schedule = await oneSchedule(h.store, 5);
      const pending = await manualJob(h.store, schedule, at(1));
      const running = await manualJob(h.store, schedule, at(0));
      await h.store.claimJobs({ now: at(0), limit: 1, claimedBy: 'n1' });
      expect(await h.store.cancelPendingJob(pending.id, at(5))).toEqual({
        ok: true,
        value: expect.objectContaining({
          id: pending.id,
          status: 'cancelled',
          finishedAt: at(5),
          handlerId: null,
          error: { code: 'cancelled', message: expect.any(String) },
        }),
      });
      expect(await h.store.getJob(pending.id)).toMatchObject({ status: 'cancelled' });
      expect(await h.store.cancelPendingJob(pending.id, at(6))).toEqual({ ok: false, reason: 'not_pending' });
      expect(await h.store.cancelPendingJob(running.id, at(6))).toEqual({ ok: false, reason: 'not_pending' });
      expect(await h.store.cancelPendingJob('missing', at(6))).toEqual({ ok: false, reason: 'not_found' });
      expect(await h.store.claimJobs({ now: at(10), limit: 5, claimedBy: 'n1' })).toEqual([]);
    });

    it('creates a job from a draft without its schedule', async () => {
      const schedule = await oneSchedule(h.store, 1);
      await manualJob(h.store, schedule, at(1));
      await h.store.deleteSchedule(schedule.id);
      const draft = jobDraft(schedule, at(2), { source: 'manual', args: { again: true } });
      const created = await h.store.createJob(draft, at(2));
      expect(created).toMatchObject({
        ok: true,
        value: { id: draft.id, status: 'pending', args: { again: true } },
      });
      expect(await h.store.createJob(draft, at(2))).toEqual({ ok: false, reason: 'duplicate' });
    });
  });
}
