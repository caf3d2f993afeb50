import { describe, expect, it } from 'vitest';
import { SchedulerError } from '../../../src/errors.ts';
import { at, createSchedules, type StoreHarness, scheduleDraft } from './fixtures.ts';

export function scheduleContract(h: StoreHarness): void {
  describe('schedules', () => {
    it('creates a schedule and reads it back; a duplicate id is refused', async () => {
      const draft = scheduleDraft('billing.daily');
      const created = await h.store.createSchedule(draft, at(-10));
      expect(created).toEqual({
        ok: true,
        value: { ...draft, lastRunAt: null, createdAt: at(-10), updatedAt: at(-10), version: 1 },
      });
      expect(await h.store.getSchedule('billing.daily')).toEqual(created.ok && created.value);
      expect(await h.store.getSchedule('missing')).toBeUndefined();

      const duplicate = await h.store.createSchedule(
        scheduleDraft('billing.daily', { task: 'other' }),
        at(-5),
      );
      expect(duplicate).toEqual({ ok: false, reason: 'duplicate' });
      expect((await h.store.getSchedule('billing.daily'))?.task).toBe('send_email');
    });

    it('creates a batch in one call, all or none', async () => {
      expect(await h.store.createSchedules([], at(-10))).toEqual({ ok: true, value: [] });
      const drafts = Array.from({ length: 600 }, (_, i) =>
        scheduleDraft(`bulk-${String(i).padStart(3, '0')}`),
      );
      const created = await h.store.createSchedules(drafts, at(-10));
      expect(created.ok && created.value.map((schedule) => schedule.id)).toEqual(drafts.map((d) => d.id));
      expect(await h.store.getSchedule('bulk-599')).toEqual(created.ok && created.value[599]);
      expect(await h.store.countSchedules()).toEqual({ total: 600, paused: 0 });

      // One existing id (or one repeated in the batch) and nothing of the batch is created.
      for (const ids of [
        ['new-1', 'bulk-000'],
        ['new-2', 'new-2'],
      ]) {
        const outcome = await h.store.createSchedules(
          ids.map((id) => scheduleDraft(id)),
          at(-5),
        );
        expect(outcome).toEqual({ ok: false, reason: 'duplicate' });
      }
      expect(await h.store.getSchedule('new-1')).toBeUndefined();
      expect(await h.store.getSchedule('new-2')).toBeUndefined();
      expect(await h.store.countSchedules()).toEqual({ total: 600, paused: 0 });
    });

    it('keeps times to the millisecond and JSON values as written', async () => {
      const draft = scheduleDraft('precise', {
        nextRunAt: new Date('2026-03-01T12:00:00.123Z'),
        args: [1, 'two', { three: [3] }, null],
        metadata: { empty: {}, list: [], unicode: 'zoë ✓' },
        trigger: { type: 'cron', expression: '*/5 * * * * *', timezone: 'Europe/Berlin' },
      });
      await createSchedules(h.store, [draft], new Date('2026-03-01T11:59:59.999Z'));
      const stored = await h.store.getSchedule('precise');
      expect(stored).toMatchObject({ ...draft, createdAt: new Date('2026-03-01T11:59:59.999Z') });
    });

    it('updates the whole draft and bumps the version, without a version check', async () => {
      const [original] = await createSchedules(h.store, [scheduleDraft('s1')]);
      const draft = scheduleDraft('s1', { task: 'report', paused: true, nextRunAt: null, metadata: {} });
      const updated = await h.store.updateSchedule(draft, at(5));
      expect(updated).toEqual({
        ok: true,
        value: { ...draft, lastRunAt: null, createdAt: original?.createdAt, updatedAt: at(5), version: 2 },
      });
      expect(await h.store.getSchedule('s1')).toEqual(updated.ok && updated.value);
      expect(await h.store.updateSchedule(scheduleDraft('missing'), at(5))).toEqual({
        ok: false,
        reason: 'not_found',
      });
    });

    it('keeps the stored nextRunAt when an update does not give one (the loop may have advanced it)', async () => {
      await createSchedules(h.store, [scheduleDraft('s1', { nextRunAt: at(0) })]);
      await h.store.acquireDueSchedules(at(1), 10, (_schedule, _now) => ({
        jobs: [],
        nextRunAt: at(60),
        lastRunAt: at(0),
      }));
      const advanced = await h.store.getSchedule('s1');
      expect(advanced).toMatchObject({ nextRunAt: at(60), lastRunAt: at(0), version: 1 });
      const { nextRunAt: _kept, ...edit } = scheduleDraft('s1', { task: 'report' });
      const updated = await h.store.updateSchedule(edit, at(2), 1);
      expect(updated).toMatchObject({
        ok: true,
        value: { task: 'report', nextRunAt: at(60), lastRunAt: at(0), version: 2 },
      });
    });

    it('refuses an update with a stale expected version', async () => {
      await createSchedules(h.store, [scheduleDraft('s1')]);
      const first = await h.store.updateSchedule(scheduleDraft('s1', { task: 'a' }), at(1), 1);
      expect(first.ok && first.value.version).toBe(2);
      const stale = await h.store.updateSchedule(scheduleDraft('s1', { task: 'b' }), at(2), 1);
      expect(stale).toEqual({ ok: false, reason: 'version_conflict' });
      expect(await h.store.getSchedule('s1')).toMatchObject({ task: 'a', version: 2, updatedAt: at(1) });
      expect(await h.store.updateSchedule(scheduleDraft('missing'), at(2), 1)).toEqual({
        ok: false,
        reason: 'not_found',
      });
    });

    it('deletes a schedule, honouring the expected version', async () => {
      await createSchedules(h.store, [scheduleDraft('s1'), scheduleDraft('s2')]);
      expect(await h.store.deleteSchedule('s1', 7)).toEqual({ ok: false, reason: 'version_conflict' });
      expect(await h.store.getSchedule('s1')).toBeDefined();
      const deleted = await h.store.deleteSchedule('s1', 1);
      expect(deleted.ok && deleted.value.id).toBe('s1');
      expect(await h.store.getSchedule('s1')).toBeUndefined();
      expect(await h.store.deleteSchedule('s1')).toEqual({ ok: false, reason: 'not_found' });
      expect((await h.store.deleteSchedule('s2')).ok).toBe(true);
      expect(await h.store.countSchedules()).toEqual({ total: 0, paused: 0 });
    });

    it('lists schedules by id in pages, with task and paused filters', async () => {
      const ids = ['m', 'c', 'k', 'a', 'Z', 'e', 'b', 'x-1', 'x.0'];
      await createSchedules(
        h.store,
        ids.map((id, index) =>
          scheduleDraft(id, { task: index % 2 === 0 ? 'even' : 'odd', paused: index % 3 === 0 }),
        ),
      );
      const collect = async (query: { task?: string; paused?: boolean }) => {
        const pages: string[][] = [];
        let cursor: string | undefined;
        do {
          const page = await h.store.listSchedules({ ...query, limit: 2, cursor });
          pages.push(page.items.map((schedule) => schedule.id));
          cursor = page.nextCursor ?? undefined;
        } while (cursor !== undefined);
        return pages;
      };
      // Bytewise order in both dialects: upper case first, '-' before '.'.
      expect(await collect({})).toEqual([['Z', 'a'], ['b', 'c'], ['e', 'k'], ['m', 'x-1'], ['x.0']]);
      expect((await collect({ task: 'even' })).flat()).toEqual(['Z', 'b', 'k', 'm', 'x.0']);
      expect((await collect({ paused: true })).flat()).toEqual(['a', 'b', 'm']);
      expect((await collect({ task: 'odd', paused: false })).flat()).toEqual(['c', 'e', 'x-1']);

      const exact = await h.store.listSchedules({ limit: ids.length });
      expect(exact.items).toHaveLength(ids.length);
      expect(exact.nextCursor).toBeNull();
      expect((await h.store.listSchedules({ limit: 5, task: 'none' })).items).toEqual([]);
    });

    it('rejects a cursor it did not issue as a validation error', async () => {
      for (const cursor of ['not-a-cursor', Buffer.from('{"id":1}').toString('base64url'), '']) {
        await expect(h.store.listSchedules({ limit: 2, cursor })).rejects.toSatisfy(
          (error) => error instanceof SchedulerError && error.code === 'validation',
        );
      }
    });

    it('counts schedules and paused ones', async () => {
      expect(await h.store.countSchedules()).toEqual({ total: 0, paused: 0 });
      await createSchedules(h.store, [
        scheduleDraft('a', { paused: true }),
        scheduleDraft('b'),
        scheduleDraft('c', { paused: true }),
      ]);
      expect(await h.store.countSchedules()).toEqual({ total: 3, paused: 2 });
    });

    it('reports the earliest next run of unpaused schedules only', async () => {
      expect(await h.store.earliestNextRunAt()).toBeNull();
      await createSchedules(h.store, [
        scheduleDraft('paused', { paused: true, nextRunAt: at(1) }),
        scheduleDraft('exhausted', { nextRunAt: null }),
      ]);
      expect(await h.store.earliestNextRunAt()).toBeNull();
      await createSchedules(h.store, [
        scheduleDraft('later', { nextRunAt: at(30) }),
        scheduleDraft('soon', { nextRunAt: at(5) }),
      ]);
      expect(await h.store.earliestNextRunAt()).toEqual(at(5));
    });
  });
}
