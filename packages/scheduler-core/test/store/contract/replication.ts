import type { HandlerRecord, Job, Schedule } from '@schedulezero/protocol';
import { beforeEach, describe, expect, it } from 'vitest';
import type { ReplicatedRow } from '../../../src/store/ports/replica-sink.ts';
import type { ReplicaStore } from '../../../src/store/roles.ts';
import { newJobRow, newScheduleRow } from '../../../src/store/row-mapping.ts';
import {
  at,
  changeLog,
  createSchedules,
  findHandler,
  jobDraft,
  recordingPlanner,
  type StoreHarness,
  scheduleDraft,
} from './fixtures.ts';

const EPOCH = 'aa'.repeat(16);

/** As it travels: JSON, so instants are ISO strings. */
const wire = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

function masterSchedule(id: string, overrides: Partial<Schedule> = {}): Schedule {
  return { ...newScheduleRow(scheduleDraft(id), at(-60)), lastRunAt: at(-30), version: 3, ...overrides };
}

function masterJob(id: string): Job {
  return {
    ...newJobRow({ ...jobDraft({ id: 'a', task: 'send_email' }, at(-30)), id }, at(-30)),
    args: { to: ['a@example.com'] },
    status: 'failed',
    attempt: 2,
    handlerId: 'worker-1',
    startedAt: at(-29),
    finishedAt: at(-28),
    durationMs: 1000,
    result: { partial: [1, 2] },
    error: { code: 'handler_error', message: 'boom' },
  };
}

const masterHandler: HandlerRecord = {
  id: 'h1',
  methods: ['send_email'],
  zone: 'eu',
  tags: ['fast'],
  capacity: 4,
  status: 'healthy',
  lastSeenAt: at(-1),
  activeJobs: 1,
  successCount: 10,
  failureCount: 2,
  avgDurationMs: 12.5,
  registeredAt: at(-100),
};

/** Waits for the clock to pass `instant`, so that rows written next have a later createdAt. */
async function after(instant: number): Promise<void> {
  while (Date.now() <= instant) await new Promise((resolve) => setTimeout(resolve, 1));
}

export function retentionContract(h: StoreHarness): void {
  describe('change-log retention and snapshot', () => {
    it('reports the oldest retained seq and prunes by rows and by age, leaving no hole', async () => {
      await createSchedules(
        h.store,
        ['a', 'b', 'c'].map((id) => scheduleDraft(id)),
      );
      expect(await h.store.changeHead('admin')).toEqual({ epoch: expect.any(String), seq: 3, oldestSeq: 1 });
      expect(await h.store.changeHead('nobody')).toMatchObject({ seq: 0, oldestSeq: 1 });
      const cut = Date.now();
      await after(cut);
      await createSchedules(
        h.store,
        ['d', 'e', 'f'].map((id) => scheduleDraft(id)),
      );

      expect(await h.store.pruneChanges('admin', {})).toEqual({ deleted: 0, oldestSeq: 1 });
      expect(await h.store.pruneChanges('admin', { keepRows: 5 })).toEqual({ deleted: 1, oldestSeq: 2 });
      expect(await h.store.pruneChanges('admin', { olderThan: new Date(cut + 1) })).toEqual({
        deleted: 2,
        oldestSeq: 4,
      });
      expect((await h.store.readChanges('admin', 1, 10)).map((row) => row.seq)).toEqual([4, 5, 6]);
      expect(await h.store.changeHead('admin')).toMatchObject({ seq: 6, oldestSeq: 4 });
      // Other zones keep theirs.
      expect(await changeLog(h.store, 'dmz')).toHaveLength(6);

      expect(await h.store.pruneChanges('admin', { keepRows: 0 })).toEqual({ deleted: 3, oldestSeq: 7 });
      expect(await h.store.changeHead('admin')).toMatchObject({ seq: 6, oldestSeq: 7 });
      await createSchedules(h.store, [scheduleDraft('g')]);
      expect((await h.store.readChanges('admin', 1, 10)).map((row) => row.seq)).toEqual([7]);
      expect(await h.store.changeHead('admin')).toMatchObject({ seq: 7, oldestSeq: 7 });
    });

    it('reads a zone snapshot: every schedule and handler, the final jobs, and the head they match', async () => {
      const [schedule] = await createSchedules(h.store, [
        scheduleDraft('b', { nextRunAt: at(0), maxInstances: 5 }),
        scheduleDraft('a', { nextRunAt: null }),
      ]);
      if (schedule === undefined) throw new Error('fixture');
      await h.store.acquireDueSchedules(at(0), 10, recordingPlanner([], 'missed'));
      await h.store.acquireDueSchedules(at(60), 10, recordingPlanner([]));
      await h.store.upsertHandler(masterHandler, 'registered');
      await h.store.deleteSchedule('a');

      const snapshot = await h.store.readSnapshot('admin');
      const head = await h.store.changeHead('admin');
      expect(snapshot.epoch).toBe(head.epoch);
      expect(snapshot.seq).toBe(head.seq);
      const missed = (await h.store.listJobs({ limit: 10, status: 'missed' })).items;
      expect(missed).toHaveLength(1);
      expect(snapshot.records).toEqual([
        { zone: 'admin', topic: 'schedule.created', payload: { id: 'b' } },
        { zone: 'admin', topic: 'handler.registered', payload: { id: 'h1' } },
        // Not the pending job: the stream carries jobs once they are final.
        { zone: 'admin', topic: 'job.executed', payload: { id: missed[0]?.id } },
      ]);
      const dmz = await h.store.readSnapshot('dmz');
      expect(dmz.seq).toBe((await h.store.changeHead('dmz')).seq);
      expect(dmz.records).toEqual([{ zone: 'dmz', topic: 'schedule.created', payload: { id: 'b' } }]);

      const plain = await h.open();
      expect(await plain.readSnapshot('admin')).toMatchObject({ seq: head.seq, records: [] });
    });

    it('tells onCommit of each committed write that logged changes, and ignores its errors', async () => {
      const calls: string[][] = [];
      const store = await h.open({
        projector: (change) => [{ zone: 'admin', topic: `${change.kind}.x`, payload: null }],
        onCommit: (zones) => {
          calls.push(zones);
          throw new Error('a listener bug');
        },
      });
      await createSchedules(store, [scheduleDraft('a')]);
      expect((await store.createSchedule(scheduleDraft('a'), at(0))).ok).toBe(false);
      await store.claimJobs({ now: at(0), limit: 1, claimedBy: 'n' });
      expect(await store.updateSchedule(scheduleDraft('a', { paused: true }), at(1))).toMatchObject({
        ok: true,
      });
      expect(calls).toEqual([['admin'], ['admin']]);
    });

    it('reads snapshots whose head matches their rows while another store writes', async () => {
      const writer = await h.open({
        projector: (change) => [{ zone: 'admin', topic: `${change.kind}.x`, payload: null }],
      });
      let writing = true;
      const writes = (async () => {
        for (let index = 0; index < 40; index += 1)
          await createSchedules(writer, [scheduleDraft(`w${index}`)]);
        writing = false;
      })();
      // Every write here is one create with one row: a consistent read has as many schedules as its seq.
      let reads = 0;
      while (writing || reads === 0) {
        const snapshot = await h.store.readSnapshot('admin');
        expect(snapshot.records).toHaveLength(snapshot.seq);
        reads += 1;
      }
      await writes;
      expect((await h.store.readSnapshot('admin')).seq).toBe(40);
    });
  });
}

export function replicaContract(h: StoreHarness): void {
  describe('replica apply', () => {
    /** A replica's store on the test's database, beside the master's store (`h.store`). */
    let replica: ReplicaStore;
    beforeEach(async () => {
      replica = await h.openReplica();
    });
    const reset = { zone: 'admin', epoch: EPOCH, snapshotSeq: 2, kinds: ['handler', 'job', 'schedule'] };
    /** An empty snapshot at seq 0, loaded: the replica takes changes from seq 1. */
    const emptyReplica = async (kinds: string[] | null = reset.kinds) => {
      await replica.resetReplica({ ...reset, snapshotSeq: 0, kinds });
      const loaded = await replica.applySnapshot({
        zone: 'admin',
        epoch: EPOCH,
        snapshotSeq: 0,
        records: [],
        complete: true,
      });
      expect(loaded).toMatchObject({ ok: true, value: { appliedSeq: 0, snapshotSeq: null } });
    };
    const row = (seq: number, topic: string, payload: unknown): ReplicatedRow => ({
      seq,
      topic,
      payload: wire(payload),
    });

    it('loads a snapshot, then applies changes with their seq in one transaction, idempotently', async () => {
      const store = replica;
      expect(await store.replicationState('admin')).toBeUndefined();
      const batch = { zone: 'admin', epoch: EPOCH, rows: [], appliedSeq: 1 };
      expect(await store.applyReplicated(batch)).toEqual({ ok: false, reason: 'no_state' });

      expect(await store.resetReplica(reset)).toMatchObject({
        appliedSeq: 0,
        snapshotSeq: 2,
        kinds: reset.kinds,
      });
      expect(await store.applyReplicated(batch)).toEqual({ ok: false, reason: 'snapshot_incomplete' });
      const page = {
        zone: 'admin',
        epoch: EPOCH,
        snapshotSeq: 2,
        records: [
          { topic: 'schedule.created', payload: wire(masterSchedule('a')) },
          { topic: 'handler.registered', payload: wire(masterHandler) },
        ],
        complete: false,
      };
      expect(await store.applySnapshot({ ...page, snapshotSeq: 3 })).toEqual({
        ok: false,
        reason: 'not_loading',
      });
      expect(await store.applySnapshot({ ...page, epoch: 'bb'.repeat(16) })).toEqual({
        ok: false,
        reason: 'epoch_mismatch',
      });
      expect(await store.applySnapshot(page)).toMatchObject({
        ok: true,
        value: { appliedSeq: 0, snapshotSeq: 2 },
      });
      const last = {
        ...page,
        records: [{ topic: 'job.executed', payload: wire(masterJob('j1')) }],
        complete: true,
      };
      expect(await store.applySnapshot(last)).toMatchObject({
        ok: true,
        value: { appliedSeq: 2, snapshotSeq: null },
      });
      expect(await store.getSchedule('a')).toEqual(masterSchedule('a'));
      expect(await store.getJob('j1')).toEqual(masterJob('j1'));
      expect(await findHandler(store, 'h1')).toEqual(masterHandler);

      const changes = {
        zone: 'admin',
        epoch: EPOCH,
        rows: [
          row(3, 'schedule.updated', masterSchedule('a', { paused: true, version: 4 })),
          row(4, 'schedule.created', masterSchedule('b')),
          row(5, 'schedule.deleted', masterSchedule('b')),
          row(6, 'handler.offline', { ...masterHandler, status: 'offline' }),
          row(7, 'audit.logged', { id: 'ignored' }),
        ],
        // Seq 8 was of a kind this replica does not take.
        appliedSeq: 8,
      };
      expect(await store.applyReplicated(changes)).toMatchObject({ ok: true, value: { appliedSeq: 8 } });
      const expected = {
        schedules: [masterSchedule('a', { paused: true, version: 4 })],
        handler: { ...masterHandler, status: 'offline' },
      };
      expect((await store.listSchedules({ limit: 10 })).items).toEqual(expected.schedules);
      expect(await findHandler(store, 'h1')).toEqual(expected.handler);

      // Again, and an older version of a row: both at or below appliedSeq, so nothing changes.
      expect(await store.applyReplicated(changes)).toMatchObject({ ok: true, value: { appliedSeq: 8 } });
      const stale = { ...changes, rows: [row(3, 'schedule.updated', masterSchedule('a'))], appliedSeq: 3 };
      expect(await store.applyReplicated(stale)).toMatchObject({ ok: true, value: { appliedSeq: 8 } });
      expect((await store.listSchedules({ limit: 10 })).items).toEqual(expected.schedules);
      expect(await store.applyReplicated({ ...changes, epoch: 'bb'.repeat(16) })).toEqual({
        ok: false,
        reason: 'epoch_mismatch',
      });
      expect(await store.replicationState('admin')).toEqual({
        zone: 'admin',
        epoch: EPOCH,
        appliedSeq: 8,
        snapshotSeq: null,
        kinds: ['handler', 'job', 'schedule'],
        updatedAt: expect.any(Date),
      });
      // The master's store on this database has a projector, yet a replica's writes never reach the change log.
      expect(await h.store.changeHead('admin')).toMatchObject({ seq: 0 });
    });

    it('stores the fields a zone does not receive as empty values', async () => {
      await emptyReplica(null);
      const rows = [
        row(1, 'schedule.created', { id: 's', task: 'report', nextRunAt: '2026-03-01T12:00:00.000Z' }),
        row(2, 'job.executed', {
          id: 'j',
          scheduleId: 's',
          scheduledAt: '2026-03-01T12:00:00Z',
          status: 'succeeded',
        }),
        row(3, 'handler.registered', { id: 'h' }),
      ];
      expect(
        await replica.applyReplicated({ zone: 'admin', epoch: EPOCH, rows, appliedSeq: 3 }),
      ).toMatchObject({
        ok: true,
        value: { appliedSeq: 3 },
      });
      expect(await replica.getSchedule('s')).toMatchObject({
        task: 'report',
        trigger: {},
        args: {},
        paused: false,
        maxInstances: 0,
        nextRunAt: at(0),
        lastRunAt: null,
        createdAt: new Date(0),
      });
      expect(await replica.getJob('j')).toMatchObject({
        scheduledAt: at(0),
        status: 'succeeded',
        args: {},
        result: null,
        error: null,
        handlerId: null,
      });
      expect(await findHandler(replica, 'h')).toMatchObject({ methods: [], status: '', avgDurationMs: null });
    });

    it('rolls a batch back whole when a row fails halfway', async () => {
      await emptyReplica();
      const rows = [
        row(1, 'schedule.created', masterSchedule('c')),
        row(2, 'job.executed', { status: 'failed' }),
      ];
      await expect(
        replica.applyReplicated({ zone: 'admin', epoch: EPOCH, rows, appliedSeq: 2 }),
      ).rejects.toThrow('has no id');
      expect(await replica.getSchedule('c')).toBeUndefined();
      expect(await replica.replicationState('admin')).toMatchObject({ appliedSeq: 0 });
    });

    it('resets to an empty replica of one zone', async () => {
      await emptyReplica();
      const rows = [row(1, 'schedule.created', masterSchedule('a')), row(2, 'job.executed', masterJob('j'))];
      await replica.applyReplicated({ zone: 'admin', epoch: EPOCH, rows, appliedSeq: 2 });
      expect(await replica.resetReplica({ ...reset, zone: 'dmz', snapshotSeq: 9 })).toMatchObject({
        zone: 'dmz',
      });
      expect(await replica.replicationState('admin')).toBeUndefined();
      expect(await replica.getSchedule('a')).toBeUndefined();
      expect(await replica.getJob('j')).toBeUndefined();
    });
  });
}
