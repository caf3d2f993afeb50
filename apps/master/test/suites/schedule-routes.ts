import { describe, expect, it } from 'vitest';
import { call, uniqueId, waitFor, YEARLY } from '../support/http.ts';
import type { TestMaster } from '../support/test-master.ts';

/** Schedule CRUD, pause/resume/run, fire-time preview: the success paths and their 404/409s. */
export function scheduleRouteTests(master: () => TestMaster): void {
  const api = (method: string, path: string, body?: unknown) =>
    call(master().app, method, path, body === undefined ? {} : { body });
  const create = async (fields: Record<string, unknown> = {}) => {
    const id = uniqueId('s');
    const response = await api('POST', '/api/schedules', { id, task: 'echo', trigger: YEARLY, ...fields });
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    return response.body.schedule;
  };

  describe('schedules', () => {
    it('POST creates a schedule with defaults and ISO UTC instants', async () => {
      const id = uniqueId('create');
      const response = await api('POST', '/api/schedules', {
        id,
        task: 'echo',
        trigger: { type: 'cron', expression: '0 9 * * *', timezone: 'Europe/Paris' },
        args: { to: 'ops' },
      });
      expect(response.status).toBe(201);
      const { schedule } = response.body;
      expect(schedule).toMatchObject({
        id,
        task: 'echo',
        args: { to: 'ops' },
        paused: false,
        version: 1,
        coalesce: 'latest',
      });
      expect(schedule.nextRunAt).toMatch(/^\d{4}-\d\d-\d\dT0[78]:00:00\.000Z$/);
      expect(schedule.createdAt).toMatch(/Z$/);
    });

    it('POST without an id generates one', async () => {
      const response = await api('POST', '/api/schedules', { task: 'echo', trigger: YEARLY });
      expect(response.status).toBe(201);
      expect(response.body.schedule.id).toMatch(/^[A-Za-z0-9]/);
    });

    it('POST with an existing id is 409 conflict', async () => {
      const { id } = await create();
      const response = await api('POST', '/api/schedules', { id, task: 'echo', trigger: YEARLY });
      expect(response.status).toBe(409);
      expect(response.body.error.code).toBe('conflict');
      expect(response.body.error.message).toContain(id);
    });

    it('POST, PUT and PATCH warn when no handler offers the task (a typo), and only then', async () => {
      const id = uniqueId('typo');
      const typo = await api('POST', '/api/schedules', { id, task: 'ecko', trigger: YEARLY });
      expect(typo.status).toBe(201);
      expect(typo.body.schedule).toMatchObject({ id, task: 'ecko' });
      expect(typo.body.warnings).toEqual([
        { code: 'no_handler_for_task', message: expect.stringContaining('"ecko"') },
      ]);
      const fixed = await api('PATCH', `/api/schedules/${id}`, { task: 'echo' });
      expect(fixed.status).toBe(200);
      expect(fixed.body).not.toHaveProperty('warnings');
      const replaced = await api('PUT', `/api/schedules/${id}`, { task: 'ecko', trigger: YEARLY });
      expect(replaced.body.warnings).toMatchObject([{ code: 'no_handler_for_task' }]);
      const patched = await api('PATCH', `/api/schedules/${id}`, { paused: true });
      expect(patched.body.warnings).toMatchObject([{ code: 'no_handler_for_task' }]);

      // A task a registered worker offers (not offline) is served, though no local handler has it.
      const now = new Date();
      const worker = uniqueId('worker');
      await master().store.upsertHandler(
        {
          id: worker,
          methods: ['remote_only'],
          zone: 'eu',
          tags: [],
          capacity: 1,
          status: 'healthy',
          lastSeenAt: now,
          activeJobs: 0,
          successCount: 0,
          failureCount: 0,
          avgDurationMs: null,
          registeredAt: now,
        },
        'registered',
      );
      const remote = await api('POST', '/api/schedules', { task: 'remote_only', trigger: YEARLY });
      expect(remote.status).toBe(201);
      expect(remote.body).not.toHaveProperty('warnings');
    });

    it('PATCH with the version of a GET made before the schedule fired applies: firing is not an edit', async () => {
      const { id } = await create({ trigger: { type: 'interval', seconds: 1 } });
      const read = (await api('GET', `/api/schedules/${id}`)).body.schedule;
      const fired = await waitFor(async () => {
        const { body } = await api('GET', `/api/schedules/${id}`);
        return body.schedule.lastRunAt === null ? undefined : body.schedule;
      }, `schedule ${id} to fire`);
      expect(fired.version).toBe(read.version);
      const patched = await api('PATCH', `/api/schedules/${id}`, {
        args: { after: 'fire' },
        version: read.version,
      });
      expect(patched.status, JSON.stringify(patched.body)).toBe(200);
      expect(patched.body.schedule).toMatchObject({ args: { after: 'fire' }, version: read.version + 1 });
      // The fire time the loop reached stays; the edit did not move it back to the read's.
      expect(Date.parse(patched.body.schedule.nextRunAt)).toBeGreaterThanOrEqual(Date.parse(fired.nextRunAt));
      await api('DELETE', `/api/schedules/${id}`);
    });

    it('GET /api/schedules/:id returns it; an unknown id is 404', async () => {
      const { id } = await create();
      expect((await api('GET', `/api/schedules/${id}`)).body.schedule.id).toBe(id);
      const missing = await api('GET', '/api/schedules/no-such-schedule');
      expect(missing.status).toBe(404);
      expect(missing.body).toEqual({
        error: { code: 'not_found', message: expect.stringContaining('no-such-schedule') },
      });
    });

    it('GET /api/schedules pages by id and filters by task and paused', async () => {
      const task = uniqueId('task');
      const ids = [];
      for (let index = 0; index < 3; index += 1) ids.push((await create({ task, paused: index === 2 })).id);
      const first = await api('GET', `/api/schedules?task=${task}&limit=2`);
      expect(first.status).toBe(200);
      expect(first.body.schedules.map((s: { id: string }) => s.id)).toEqual(ids.slice(0, 2).sort());
      expect(first.body.nextCursor).toEqual(expect.any(String));
      const second = await api('GET', `/api/schedules?task=${task}&limit=2&cursor=${first.body.nextCursor}`);
      expect(second.body.schedules).toHaveLength(1);
      expect(second.body.nextCursor).toBeNull();
      const paused = await api('GET', `/api/schedules?task=${task}&paused=true`);
      expect(paused.body.schedules.map((s: { id: string }) => s.id)).toEqual([ids[2]]);
    });

    it('PUT replaces the spec and bumps the version; a stale version is 409', async () => {
      const { id } = await create({ args: { a: 1 } });
      const replaced = await api('PUT', `/api/schedules/${id}`, {
        task: 'fail',
        trigger: YEARLY,
        version: 1,
      });
      expect(replaced.status).toBe(200);
      expect(replaced.body.schedule).toMatchObject({ task: 'fail', args: {}, version: 2 });
      const stale = await api('PUT', `/api/schedules/${id}`, { task: 'echo', trigger: YEARLY, version: 1 });
      expect(stale.status).toBe(409);
      expect(stale.body.error.code).toBe('version_conflict');
      const missing = await api('PUT', '/api/schedules/nope-put', { task: 'echo', trigger: YEARLY });
      expect(missing.status).toBe(404);
    });

    it('PATCH changes only the fields sent', async () => {
      const { id } = await create({ args: { keep: true }, maxInstances: 3 });
      const patched = await api('PATCH', `/api/schedules/${id}`, { paused: true });
      expect(patched.status).toBe(200);
      expect(patched.body.schedule).toMatchObject({
        paused: true,
        args: { keep: true },
        maxInstances: 3,
        version: 2,
      });
      const stale = await api('PATCH', `/api/schedules/${id}`, { paused: false, version: 1 });
      expect(stale.status).toBe(409);
      expect(stale.body.error.code).toBe('version_conflict');
      expect((await api('PATCH', '/api/schedules/nope-patch', { paused: true })).status).toBe(404);
    });

    it('DELETE removes it (204); then 404; a stale ?version is 409', async () => {
      const { id } = await create();
      expect((await api('DELETE', `/api/schedules/${id}?version=7`)).status).toBe(409);
      const deleted = await api('DELETE', `/api/schedules/${id}?version=1`);
      expect(deleted.status).toBe(204);
      expect(deleted.body).toBeUndefined();
      expect((await api('GET', `/api/schedules/${id}`)).status).toBe(404);
      expect((await api('DELETE', `/api/schedules/${id}`)).status).toBe(404);
    });

    it('pause and resume toggle `paused`; unknown ids are 404', async () => {
      const { id } = await create();
      const paused = await api('POST', `/api/schedules/${id}/pause`);
      expect(paused.status).toBe(200);
      expect(paused.body.schedule.paused).toBe(true);
      const resumed = await api('POST', `/api/schedules/${id}/resume`);
      expect(resumed.status).toBe(200);
      expect(resumed.body.schedule).toMatchObject({ paused: false, nextRunAt: expect.any(String) });
      expect((await api('POST', '/api/schedules/nope-pause/pause')).status).toBe(404);
      expect((await api('POST', '/api/schedules/nope-resume/resume')).status).toBe(404);
    });

    it('run queues a manual job (202); past maxInstances it is 409; unknown ids 404', async () => {
      const { id } = await create({ task: 'block', maxInstances: 1 });
      const first = await api('POST', `/api/schedules/${id}/run`);
      expect(first.status).toBe(202);
      expect(first.body.job).toMatchObject({ scheduleId: id, task: 'block', source: 'manual' });
      const second = await api('POST', `/api/schedules/${id}/run`);
      expect(second.status).toBe(409);
      expect(second.body.error.code).toBe('max_instances');
      master().releaseBlocked();
      expect((await api('POST', '/api/schedules/nope-run/run')).status).toBe(404);
    });

    it('GET /next lists the next fire times after `from`, in UTC', async () => {
      const { id } = await create({
        trigger: { type: 'cron', expression: '0 9 * * *', timezone: 'Europe/Paris' },
      });
      const response = await api('GET', `/api/schedules/${id}/next?count=3&from=2026-01-30T12:00:00Z`);
      expect(response.status).toBe(200);
      expect(response.body).toEqual({
        fireTimes: ['2026-01-31T08:00:00.000Z', '2026-02-01T08:00:00.000Z', '2026-02-02T08:00:00.000Z'],
      });
      const defaults = await api('GET', `/api/schedules/${id}/next`);
      expect(defaults.body.fireTimes).toHaveLength(10);
      expect((await api('GET', '/api/schedules/nope-next/next')).status).toBe(404);
    });

    it('POST /api/triggers/preview computes fire times of a trigger without a schedule', async () => {
      const response = await api('POST', '/api/triggers/preview', {
        trigger: { type: 'interval', seconds: 90, startAt: '2026-03-01T00:00:00Z' },
        count: 3,
        from: '2026-03-01T00:00:00Z',
      });
      expect(response.status).toBe(200);
      expect(response.body.fireTimes).toEqual([
        '2026-03-01T00:01:30.000Z',
        '2026-03-01T00:03:00.000Z',
        '2026-03-01T00:04:30.000Z',
      ]);
      const dst = await api('POST', '/api/triggers/preview', {
        trigger: { type: 'cron', expression: '30 2 * * *', timezone: 'America/New_York' },
        count: 2,
        from: '2026-03-07T12:00:00Z',
      });
      expect(dst.status).toBe(200);
      // 02:30 does not exist on 8 March in New York: it fires once, at 03:00 EDT, the first valid instant.
      expect(dst.body.fireTimes).toEqual(['2026-03-08T07:00:00.000Z', '2026-03-09T06:30:00.000Z']);
    });
  });
}
