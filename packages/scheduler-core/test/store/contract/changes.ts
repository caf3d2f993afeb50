import type { HandlerRecord } from '@schedulezero/protocol';
import { describe, expect, it } from 'vitest';
import {
  at,
  changeLog,
  createSchedules,
  findHandler,
  finishJob,
  jobDraft,
  recordingPlanner,
  type StoreHarness,
  scheduleDraft,
} from './fixtures.ts';

function handler(id: string, overrides: Partial<HandlerRecord> = {}): HandlerRecord {
  return {
    id,
    methods: ['send_email', 'report'],
    zone: 'eu',
    tags: ['fast'],
    capacity: 8,
    status: 'healthy',
    lastSeenAt: at(0),
    activeJobs: 0,
    successCount: 0,
    failureCount: 0,
    avgDurationMs: null,
    registeredAt: at(0),
    ...overrides,
  };
}

export function handlerContract(h: StoreHarness): void {
  describe('handlers', () => {
    it('upserts, reads and lists handlers, logging each write', async () => {
      expect(await findHandler(h.store, 'h2')).toBeUndefined();
      expect(await h.store.upsertHandler(handler('h2'), 'registered')).toEqual(handler('h2'));
      await h.store.upsertHandler(handler('h1'), 'registered');
      const busy = handler('h2', {
        status: 'draining',
        activeJobs: 3,
        successCount: 10,
        avgDurationMs: 12.5,
        lastSeenAt: at(5),
      });
      expect(await h.store.upsertHandler(busy, 'updated')).toEqual(busy);
      expect(await findHandler(h.store, 'h2')).toEqual(busy);
      expect(await h.store.listHandlers()).toEqual([handler('h1'), busy]);
      await h.store.upsertHandler({ ...busy, status: 'offline' }, 'offline');
      expect(await changeLog(h.store, 'admin')).toEqual([
        'handler.registered h2',
        'handler.registered h1',
        'handler.updated h2',
        'handler.offline h2',
      ]);
      expect(await changeLog(h.store, 'dmz')).toEqual([]);
    });
  });
}

export function changeLogContract(h: StoreHarness): void {
  describe('change log', () => {
    it('appends the projected records of each write with contiguous seqs per zone', async () => {
      await createSchedules(h.store, [scheduleDraft('a'), scheduleDraft('b')]);
      await h.store.updateSchedule(scheduleDraft('a', { paused: true }), at(1));
      await h.store.deleteSchedule('b');
      expect(await changeLog(h.store, 'admin')).toEqual([
        'schedule.created a',
        'schedule.created b',
        'schedule.updated a',
        'schedule.deleted b',
      ]);
      expect(await changeLog(h.store, 'dmz')).toEqual([
        'schedule.created a',
        'schedule.created b',
        'schedule.updated a',
        'schedule.deleted b',
      ]);

      const head = await h.store.changeHead('admin');
      expect(head).toEqual({ epoch: expect.stringMatching(/^[0-9a-f]{32}$/), seq: 4, oldestSeq: 1 });
      expect(await h.store.changeHead('nobody')).toEqual({ epoch: head.epoch, seq: 0, oldestSeq: 1 });
      const tail = await h.store.readChanges('admin', 2, 2);
      expect(tail.map((row) => row.seq)).toEqual([2, 3]);
      expect(tail[0]).toEqual({
        zone: 'admin',
        seq: 2,
        epoch: head.epoch,
        topic: 'schedule.created',
        payload: { id: 'b' },
        createdAt: expect.any(Date),
      });
      expect(await h.store.readChanges('admin', 5, 10)).toEqual([]);
    });

    it('logs a job once, when it reaches a final status', async () => {
      const [schedule] = await createSchedules(h.store, [
        scheduleDraft('s', { nextRunAt: at(0), maxInstances: 5 }),
      ]);
      if (schedule === undefined) throw new Error('fixture');
      const [fired] = await h.store.acquireDueSchedules(at(0), 10, recordingPlanner([]));
      const manual = await h.store.createManualJob('s', (s) => jobDraft(s, at(1), { source: 'manual' }));
      await h.store.claimJobs({ now: at(1), limit: 5, claimedBy: 'n1' });
      await finishJob(h.store, {
        jobId: fired?.id ?? '',
        attempt: 1,
        finishedAt: at(2),
        outcome: { status: 'failed', error: { code: 'handler_error', message: 'x' } },
        retryAt: at(3),
      });
      await h.store.recoverRunningJobs(['n1'], at(4));
      const [again] = await h.store.claimJobs({ now: at(4), limit: 1, claimedBy: 'n1' });
      await finishJob(h.store, {
        jobId: again?.id ?? '',
        attempt: 2,
        finishedAt: at(5),
        outcome: { status: 'succeeded', result: 1 },
      });
      await h.store.acquireDueSchedules(at(600), 10, recordingPlanner([], 'missed'));

      expect(await changeLog(h.store, 'admin')).toEqual([
        'schedule.created s',
        'schedule.updated s',
        // Not the pending fire, the claims, the retry, nor the recovery back to pending.
        `job.executed ${again?.id}`,
        'schedule.updated s',
        expect.stringMatching(/^job\.executed job-/),
      ]);
      expect(again?.id).toBe(fired?.id);
      expect(manual.ok && (await h.store.getJob(manual.value.id))).toMatchObject({
        status: 'pending',
        attempt: 1,
      });
    });

    it('writes nothing when a write is refused or rolled back', async () => {
      await createSchedules(h.store, [scheduleDraft('a')]);
      expect((await h.store.createSchedule(scheduleDraft('a'), at(0))).ok).toBe(false);
      expect((await h.store.updateSchedule(scheduleDraft('a'), at(0), 9)).ok).toBe(false);
      expect((await h.store.deleteSchedule('nope')).ok).toBe(false);
      await expect(
        h.store.createSchedule(scheduleDraft('poisoned', { metadata: { poison: true } }), at(0)),
      ).rejects.toThrow('projector refused');
      await expect(
        h.store.updateSchedule(scheduleDraft('a', { metadata: { poison: true } }), at(0)),
      ).rejects.toThrow('projector refused');
      expect(await h.store.getSchedule('poisoned')).toBeUndefined();
      expect(await h.store.getSchedule('a')).toMatchObject({ version: 1, metadata: { owner: 'ops' } });
      expect(await h.store.changeHead('admin')).toMatchObject({ seq: 1 });

      // The next write takes the next seq: a rollback leaves no gap.
      await createSchedules(h.store, [scheduleDraft('b')]);
      expect(await changeLog(h.store, 'admin')).toEqual(['schedule.created a', 'schedule.created b']);
      expect(await changeLog(h.store, 'dmz')).toEqual(['schedule.created a', 'schedule.created b']);
    });

    it('keeps no change log without a projector', async () => {
      const plain = await h.open();
      await createSchedules(plain, [scheduleDraft('quiet')]);
      await plain.upsertHandler(handler('h'), 'registered');
      expect(await plain.readChanges('admin', 1, 10)).toEqual([]);
      expect((await plain.changeHead('admin')).seq).toBe(0);
    });

    it('keeps its epoch when the database is opened again', async () => {
      await createSchedules(h.store, [scheduleDraft('a')]);
      const { epoch } = await h.store.changeHead('admin');
      await h.store.close();
      const reopened = await h.open();
      expect(await reopened.changeHead('admin')).toEqual({ epoch, seq: 1, oldestSeq: 1 });
      expect((await reopened.readChanges('admin', 1, 1))[0]?.epoch).toBe(epoch);
      expect(await reopened.getSchedule('a')).toBeDefined();
      await reopened.ping();
    });
  });
}
