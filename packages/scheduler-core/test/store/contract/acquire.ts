import { describe, expect, it } from 'vitest';
import type { FirePlanner } from '../../../src/store/ports/firing-store.ts';
import {
  at,
  createSchedules,
  jobDraft,
  type PlannerCall,
  recordingPlanner,
  type StoreHarness,
  scheduleDraft,
} from './fixtures.ts';

export function acquireContract(h: StoreHarness): void {
  describe('acquireDueSchedules', () => {
    it('plans only due, unpaused schedules, inserts their jobs and advances them', async () => {
      await createSchedules(h.store, [
        scheduleDraft('due', { nextRunAt: at(0) }),
        scheduleDraft('paused', { nextRunAt: at(0), paused: true }),
        scheduleDraft('future', { nextRunAt: at(11) }),
        scheduleDraft('exhausted', { nextRunAt: null }),
      ]);
      const calls: PlannerCall[] = [];
      const jobs = await h.store.acquireDueSchedules(at(10), 10, recordingPlanner(calls));

      expect(calls).toEqual([{ scheduleId: 'due', fireAt: at(0).getTime(), activeJobs: 0 }]);
      expect(jobs).toHaveLength(1);
      expect(jobs[0]).toMatchObject({
        scheduleId: 'due',
        task: 'send_email',
        source: 'schedule',
        scheduledAt: at(0),
        notBefore: at(0),
        status: 'pending',
        attempt: 0,
        maxAttempts: 2,
        handlerId: null,
        startedAt: null,
        finishedAt: null,
        durationMs: null,
        result: null,
        error: null,
        createdAt: at(10),
        updatedAt: at(10),
      });
      expect(await h.store.getJob(jobs[0]?.id ?? '')).toEqual(jobs[0]);
      expect(await h.store.getSchedule('due')).toMatchObject({
        nextRunAt: at(60),
        lastRunAt: at(0),
        updatedAt: at(10),
        // Firing is not an edit: an optimistic update based on an earlier read still applies.
        version: 1,
      });
      expect(await h.store.getSchedule('paused')).toMatchObject({ nextRunAt: at(0), version: 1 });
      expect(await h.store.getSchedule('future')).toMatchObject({ nextRunAt: at(11), version: 1 });

      // Nothing is due any more at the same instant.
      expect(await h.store.acquireDueSchedules(at(10), 10, recordingPlanner(calls))).toEqual([]);
      expect(calls).toHaveLength(1);
    });

    it('takes the earliest due schedules first, up to the limit', async () => {
      await createSchedules(h.store, [
        scheduleDraft('c', { nextRunAt: at(3) }),
        scheduleDraft('a', { nextRunAt: at(1) }),
        scheduleDraft('b', { nextRunAt: at(2) }),
      ]);
      const calls: PlannerCall[] = [];
      const jobs = await h.store.acquireDueSchedules(at(5), 2, recordingPlanner(calls));
      expect(calls.map((call) => call.scheduleId)).toEqual(['a', 'b']);
      expect(jobs.map((job) => job.scheduleId).sort()).toEqual(['a', 'b']);
      expect(await h.store.getSchedule('c')).toMatchObject({ nextRunAt: at(3), version: 1 });
    });

    it('skips a job whose fire time exists already, passes active jobs and still advances', async () => {
      const [schedule] = await createSchedules(h.store, [
        scheduleDraft('s', { nextRunAt: at(0), maxInstances: 5 }),
      ]);
      if (schedule === undefined) throw new Error('fixture');
      // As after a crash between inserting the job and advancing the schedule.
      const existing = await h.store.createManualJob('s', () => jobDraft(schedule, at(0)));
      expect(existing.ok).toBe(true);

      const calls: PlannerCall[] = [];
      const jobs = await h.store.acquireDueSchedules(at(1), 10, recordingPlanner(calls));
      expect(calls).toEqual([{ scheduleId: 's', fireAt: at(0).getTime(), activeJobs: 1 }]);
      expect(jobs).toEqual([]);
      expect(await h.store.getSchedule('s')).toMatchObject({ nextRunAt: at(60), version: 1 });
      const history = await h.store.listJobs({ limit: 10, scheduleId: 's' });
      expect(history.items.map((job) => job.id)).toEqual([existing.ok && existing.value.id]);
    });

    it('records missed fire times as final jobs', async () => {
      await createSchedules(h.store, [scheduleDraft('s', { nextRunAt: at(0) })]);
      const jobs = await h.store.acquireDueSchedules(at(600), 10, recordingPlanner([], 'missed'));
      expect(jobs).toHaveLength(1);
      expect(jobs[0]).toMatchObject({
        status: 'missed',
        error: { code: 'misfire', message: 'late' },
        finishedAt: at(600),
      });
      // A missed fire is not a run: lastRunAt stays.
      expect(await h.store.getSchedule('s')).toMatchObject({ nextRunAt: at(60), lastRunAt: null });
      expect(await h.store.claimJobs({ now: at(600), limit: 10, claimedBy: 'n1' })).toEqual([]);
    });

    it('keeps the missed records of one cause as one row across fires', async () => {
      await createSchedules(h.store, [scheduleDraft('s', { nextRunAt: at(0) })]);
      // Each fire: one missed record of `code` for the fire time, then on by 60 s.
      const missing =
        (code: string): FirePlanner =>
        (schedule) => {
          const fireAt = schedule.nextRunAt ?? at(0);
          const message = `1 fire time(s) not run: because of ${code}`;
          return {
            jobs: [
              jobDraft(schedule, fireAt, {
                status: 'missed',
                error: { code, message },
                missedCount: 1,
                missedUntil: fireAt,
              }),
            ],
            nextRunAt: new Date(fireAt.getTime() + 60_000),
          };
        };
      const [first] = await h.store.acquireDueSchedules(at(0), 10, missing('max_instances'));
      await h.store.acquireDueSchedules(at(60), 10, missing('max_instances'));
      await h.store.acquireDueSchedules(at(120), 10, missing('max_instances'));
      let history = (await h.store.listJobs({ limit: 10, scheduleId: 's' })).items;
      expect(history).toEqual([
        {
          ...first,
          missedCount: 3,
          missedUntil: at(120),
          error: { code: 'max_instances', message: '3 fire time(s) not run: because of max_instances' },
          updatedAt: at(120),
        },
      ]);
      // Another cause starts its own row; a run in between ends the previous one.
      await h.store.acquireDueSchedules(at(180), 10, missing('misfire'));
      await h.store.acquireDueSchedules(at(240), 10, recordingPlanner([]));
      await h.store.acquireDueSchedules(at(300), 10, missing('misfire'));
      history = (await h.store.listJobs({ limit: 10, scheduleId: 's' })).items;
      expect(history.map((job) => [job.status, job.error?.code ?? null, job.missedCount])).toEqual([
        ['missed', 'misfire', 1],
        ['pending', null, null],
        ['missed', 'misfire', 1],
        ['missed', 'max_instances', 3],
      ]);
    });

    it('rolls everything back when the planner throws', async () => {
      await createSchedules(h.store, [
        scheduleDraft('a', { nextRunAt: at(0) }),
        scheduleDraft('b', { nextRunAt: at(1) }),
      ]);
      const ok = recordingPlanner([]);
      const failing = await h.store
        .acquireDueSchedules(at(5), 10, (schedule, now, active) => {
          if (schedule.id === 'b') throw new Error('planner bug');
          return ok(schedule, now, active);
        })
        .then(
          () => 'resolved',
          (error: Error) => error.message,
        );
      expect(failing).toBe('planner bug');
      expect(await h.store.getSchedule('a')).toMatchObject({ nextRunAt: at(0), version: 1 });
      expect((await h.store.listJobs({ limit: 10 })).items).toEqual([]);
    });
  });
}
