import type { Schedule } from '@schedulezero/protocol';
import { describe, expect, it } from 'vitest';
import { at, finishJob, jobDraft, manualJob, oneSchedule, type StoreHarness } from './fixtures.ts';

export function jobContract(h: StoreHarness): void {
  describe('jobs', () => {
    it('creates manual jobs within maxInstances', async () => {
      const schedule = await oneSchedule(h.store, 2);
      expect(await h.store.createManualJob('missing', (s) => jobDraft(s, at(0)))).toEqual({
        ok: false,
        reason: 'not_found',
      });
      let seen: Schedule | undefined;
      const first = await h.store.createManualJob('s', (current) => {
        seen = current;
        return jobDraft(current, at(1), { source: 'manual', args: ['x'] });
      });
      expect(seen).toEqual(schedule);
      expect(first.ok && first.value).toMatchObject({
        scheduleId: 's',
        source: 'manual',
        args: ['x'],
        status: 'pending',
      });
      expect(first.ok && (await h.store.getJob(first.value.id))).toEqual(first.ok && first.value);
      await manualJob(h.store, schedule, at(2));
      expect(await h.store.createManualJob('s', (s) => jobDraft(s, at(3)))).toEqual({
        ok: false,
        reason: 'max_instances',
      });

      // A running job still counts; a finished one no longer does.
      const [claimed] = await h.store.claimJobs({ now: at(1), limit: 1, claimedBy: 'n1' });
      expect(await h.store.createManualJob('s', (s) => jobDraft(s, at(3)))).toEqual({
        ok: false,
        reason: 'max_instances',
      });
      await finishJob(h.store, {
        jobId: claimed?.id ?? '',
        attempt: 1,
        finishedAt: at(4),
        outcome: { status: 'succeeded', result: 1 },
      });
      expect(await h.store.createManualJob('s', (s) => jobDraft(s, at(2)))).toEqual({
        ok: false,
        reason: 'duplicate',
      });
      expect((await h.store.createManualJob('s', (s) => jobDraft(s, at(3)))).ok).toBe(true);
    });

    it('claims due pending jobs oldest first, marking them running', async () => {
      const schedule = await oneSchedule(h.store);
      const late = await manualJob(h.store, schedule, at(3));
      const early = await manualJob(h.store, schedule, at(1), { task: 'other' });
      const middle = await manualJob(h.store, schedule, at(2));
      await manualJob(h.store, schedule, at(60));

      expect(await h.store.claimJobs({ now: at(10), limit: 5, claimedBy: 'n1', tasks: [] })).toEqual([]);
      const claimed = await h.store.claimJobs({ now: at(10), limit: 2, claimedBy: 'n1' });
      expect(claimed.map((job) => job.id)).toEqual([early.id, middle.id]);
      expect(claimed[0]).toEqual({
        ...early,
        status: 'running',
        attempt: 1,
        startedAt: at(10),
        // Claimed, not yet handed to a handler: the claimer is the store's bookkeeping, not `handlerId`.
        handlerId: null,
        updatedAt: at(10),
      });
      expect(await h.store.getJob(early.id)).toEqual(claimed[0]);

      const byTask = await h.store.claimJobs({ now: at(10), limit: 5, claimedBy: 'n2', tasks: ['other'] });
      expect(byTask).toEqual([]);
      const rest = await h.store.claimJobs({
        now: at(10),
        limit: 5,
        claimedBy: 'n2',
        tasks: ['send_email', 'other'],
      });
      expect(rest.map((job) => job.id)).toEqual([late.id]);
      // The job at +60s is not due yet.
      expect(await h.store.claimJobs({ now: at(10), limit: 5, claimedBy: 'n2' })).toEqual([]);
      expect(await h.store.earliestPendingAt(at(10))).toEqual(at(60));
      // Strictly later: a due job waiting for capacity is not a reason to wake.
      expect(await h.store.earliestPendingAt(at(60))).toBeNull();
    });

    it('finishes the running attempt only, and reports stale or unknown finishes', async () => {
      const schedule = await oneSchedule(h.store);
      const job = await manualJob(h.store, schedule, at(0));
      const notRunning = {
        jobId: job.id,
        attempt: 0,
        finishedAt: at(1),
        outcome: { status: 'succeeded', result: null },
      } as const;
      expect(await finishJob(h.store, notRunning)).toEqual({ ok: false, reason: 'stale' });
      await h.store.claimJobs({ now: at(0), limit: 1, claimedBy: 'n1' });
      // Who runs the attempt is known while it runs; a hand-off of another attempt is ignored.
      await h.store.recordHandoffs(
        [
          { jobId: job.id, attempt: 1, handlerId: 'worker-1' },
          { jobId: job.id, attempt: 2, handlerId: 'worker-2' },
        ],
        at(1),
      );
      expect(await h.store.getJob(job.id)).toMatchObject({ status: 'running', handlerId: 'worker-1' });

      const success = {
        jobId: job.id,
        attempt: 1,
        finishedAt: at(2.5),
        outcome: { status: 'succeeded', result: { sent: 3 } },
      } as const;
      expect(await finishJob(h.store, { ...success, attempt: 2 })).toEqual({ ok: false, reason: 'stale' });
      expect(await finishJob(h.store, { ...success, jobId: 'missing' })).toEqual({
        ok: false,
        reason: 'not_found',
      });
      const finished = await finishJob(h.store, success);
      expect(finished).toEqual({
        ok: true,
        value: {
          ...job,
          status: 'succeeded',
          attempt: 1,
          handlerId: 'worker-1',
          startedAt: at(0),
          finishedAt: at(2.5),
          durationMs: 2500,
          result: { sent: 3 },
          error: null,
          updatedAt: at(2.5),
        },
      });
      // A late duplicate of the same result changes nothing.
      expect(await finishJob(h.store, success)).toEqual({ ok: false, reason: 'stale' });
      expect(await h.store.getJob(job.id)).toEqual(finished.ok && finished.value);
    });

    it('finishes a batch in one call, fencing each finish on its own', async () => {
      const schedule = await oneSchedule(h.store);
      const first = await manualJob(h.store, schedule, at(0));
      const second = await manualJob(h.store, schedule, at(0.5));
      const notClaimed = await manualJob(h.store, schedule, at(0.7));
      expect(await h.store.finishJobs([])).toEqual([]);
      await h.store.claimJobs({ now: at(1), limit: 2, claimedBy: 'n1' });
      const done = (jobId: string, attempt = 1) =>
        ({ jobId, attempt, finishedAt: at(3), outcome: { status: 'succeeded', result: jobId } }) as const;
      const outcomes = await h.store.finishJobs([
        done(first.id),
        done(second.id, 2),
        done('missing'),
        done(notClaimed.id),
        {
          jobId: second.id,
          attempt: 1,
          finishedAt: at(3),
          outcome: { status: 'failed', error: { code: 'handler_error', message: 'boom' } },
          retryAt: at(10),
        },
        done(first.id),
      ]);
      expect(outcomes.map((outcome) => (outcome.ok ? outcome.value.status : outcome.reason))).toEqual([
        'succeeded',
        'stale',
        'not_found',
        'stale',
        'pending',
        'stale',
      ]);
      expect(await h.store.getJob(first.id)).toMatchObject({ status: 'succeeded', result: first.id });
      expect(await h.store.getJob(second.id)).toMatchObject({
        status: 'pending',
        attempt: 1,
        error: { code: 'handler_error', message: 'boom' },
      });
      expect(await h.store.getJob(notClaimed.id)).toMatchObject({ status: 'pending', attempt: 0 });
    });

    it('sends a failed attempt back to pending until retryAt, then fails it for good', async () => {
      const schedule = await oneSchedule(h.store);
      const job = await manualJob(h.store, schedule, at(0));
      await h.store.claimJobs({ now: at(0), limit: 1, claimedBy: 'n1' });
      const error = { code: 'handler_error', message: 'smtp down' };
      const retried = await finishJob(h.store, {
        jobId: job.id,
        attempt: 1,
        finishedAt: at(1),
        outcome: { status: 'failed', error },
        retryAt: at(5),
      });
      expect(retried.ok && retried.value).toMatchObject({
        status: 'pending',
        attempt: 1,
        notBefore: at(5),
        handlerId: null,
        error,
        finishedAt: null,
      });
      expect(await h.store.earliestPendingAt(at(1))).toEqual(at(5));
      expect(await h.store.claimJobs({ now: at(4), limit: 1, claimedBy: 'n1' })).toEqual([]);
      const [again] = await h.store.claimJobs({ now: at(5), limit: 1, claimedBy: 'n2' });
      expect(again).toMatchObject({
        id: job.id,
        status: 'running',
        attempt: 2,
        handlerId: null,
        startedAt: at(5),
        error,
      });
      await h.store.recordHandoffs([{ jobId: job.id, attempt: 2, handlerId: 'w2' }], at(5));
      expect(
        (
          await finishJob(h.store, {
            jobId: job.id,
            attempt: 1,
            finishedAt: at(6),
            outcome: { status: 'succeeded', result: 1 },
          })
        ).ok,
      ).toBe(false);

      const timedOut = await finishJob(h.store, {
        jobId: job.id,
        attempt: 2,
        finishedAt: at(7),
        outcome: { status: 'timed_out', error: { code: 'timeout', message: 'after 10s' }, result: 'partial' },
      });
      expect(timedOut.ok && timedOut.value).toMatchObject({
        status: 'timed_out',
        attempt: 2,
        handlerId: 'w2',
        finishedAt: at(7),
        durationMs: 2000,
        result: 'partial',
        error: { code: 'timeout', message: 'after 10s' },
      });
      expect(await h.store.earliestPendingAt(at(0))).toBeNull();
    });

    it('recovers jobs left running by attempts the given nodes claimed, whoever they were handed to', async () => {
      const schedule = await oneSchedule(h.store);
      const retryable = await manualJob(h.store, schedule, at(0), { maxAttempts: 2 });
      const lastTry = await manualJob(h.store, schedule, at(1), { maxAttempts: 1 });
      const elsewhere = await manualJob(h.store, schedule, at(2));
      const waiting = await manualJob(h.store, schedule, at(3));
      await h.store.claimJobs({ now: at(1), limit: 2, claimedBy: 'node-a' });
      await h.store.claimJobs({ now: at(2), limit: 1, claimedBy: 'node-b' });
      // Handed to a worker: still recovered with its claimer, whoever runs it.
      await h.store.recordHandoffs([{ jobId: retryable.id, attempt: 1, handlerId: 'worker-x' }], at(2));

      expect(await h.store.recoverRunningJobs([], at(9))).toEqual([]);
      const recovered = await h.store.recoverRunningJobs(['node-a', 'node-c'], at(9));
      const byId = new Map(recovered.map((job) => [job.id, job]));
      expect([...byId.keys()].sort()).toEqual([retryable.id, lastTry.id].sort());
      expect(byId.get(retryable.id)).toMatchObject({
        status: 'pending',
        attempt: 1,
        notBefore: at(9),
        handlerId: null,
        error: { code: 'interrupted' },
      });
      expect(byId.get(lastTry.id)).toMatchObject({
        status: 'failed',
        attempt: 1,
        finishedAt: at(9),
        durationMs: 8000,
        error: { code: 'interrupted' },
      });
      expect(await h.store.getJob(retryable.id)).toEqual(byId.get(retryable.id));
      expect(await h.store.getJob(elsewhere.id)).toMatchObject({ status: 'running', handlerId: null });
      // The same node claiming again (after its restart) recovers nothing twice.
      expect(await h.store.recoverRunningJobs(['node-a'], at(10))).toEqual([]);
      expect(await h.store.getJob(waiting.id)).toMatchObject({ status: 'pending', attempt: 0 });
    });

    it('fails pending jobs that waited too long for a task no handler offers', async () => {
      const schedule = await oneSchedule(h.store);
      const running = await manualJob(h.store, schedule, at(-2), { task: 'unknown' });
      await h.store.claimJobs({ now: at(-1), limit: 1, claimedBy: 'n', tasks: ['unknown'] });
      const old = await manualJob(h.store, schedule, at(0), { task: 'unknown' });
      const recent = await manualJob(h.store, schedule, at(8), { task: 'unknown' });
      const servedJob = await manualJob(h.store, schedule, at(0.5), { task: 'known' });

      const failed = await h.store.failUnservedJobs({
        now: at(10),
        waitingSince: at(5),
        servedTasks: ['known'],
      });
      expect(failed.map((job) => job.id)).toEqual([old.id]);
      expect(failed[0]).toMatchObject({
        status: 'failed',
        finishedAt: at(10),
        error: { code: 'no_handler' },
      });
      expect(failed[0]?.error?.message).toContain('"unknown"');
      expect(await h.store.getJob(old.id)).toEqual(failed[0]);
      expect(await h.store.getJob(recent.id)).toMatchObject({ status: 'pending' });
      expect(await h.store.getJob(servedJob.id)).toMatchObject({ status: 'pending' });
      expect(await h.store.getJob(running.id)).toMatchObject({ status: 'running' });
      // With no task served at all, every job waiting long enough goes.
      const rest = await h.store.failUnservedJobs({ now: at(20), waitingSince: at(9), servedTasks: [] });
      expect(rest.map((job) => job.id).sort()).toEqual([recent.id, servedJob.id].sort());
    });
  });
}
