import { createScheduleBodySchema } from '@schedulezero/protocol';
import type { ReplicaStore } from '@schedulezero/scheduler-core';
import { eventually } from '@schedulezero/scheduler-core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { dmzProjector, loadDmzReplica } from '../support/dmz-replica.ts';
import { createMasterStack, createReplicaApp, type MasterStack } from '../support/stack.ts';

// Edit, clone, two-step delete, bulk actions and job cancel/re-run through the master's forms.

let stack: MasterStack | undefined;
let replicaStore: ReplicaStore | undefined;
afterEach(async () => {
  await replicaStore?.close();
  await stack?.close();
  replicaStore = undefined;
  stack = undefined;
});

function csrfOf(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!match?.[1]) throw new Error('no CSRF field on the page');
  return match[1];
}

async function get(current: MasterStack, path: string): Promise<{ status: number; html: string }> {
  const response = await current.app.request(path, { headers: { cookie: current.cookie } });
  return { status: response.status, html: await response.text() };
}

async function post(current: MasterStack, path: string, fields: Record<string, string | string[]>) {
  const body = new URLSearchParams();
  for (const [key, value] of Object.entries(fields))
    for (const item of Array.isArray(value) ? value : [value]) body.append(key, item);
  const response = await current.app.request(path, {
    method: 'POST',
    headers: { cookie: current.cookie },
    body,
  });
  return { status: response.status, location: response.headers.get('location'), html: await response.text() };
}

async function seed(current: MasterStack, id: string, extra: Record<string, unknown> = {}) {
  return current.scheduler.createSchedule(
    createScheduleBodySchema.parse({
      id,
      task: 'echo',
      trigger: { type: 'cron', expression: '0 9 * * *', timezone: 'Europe/Berlin' },
      args: { to: 'ops' },
      paused: true,
      ...extra,
    }),
  );
}

/** The fields of a form page as they would be submitted (hidden, text, select, textarea, checkbox). */
function formFields(html: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const m of html.matchAll(/<input([^>]*)>/g)) {
    const attrs = m[1] ?? '';
    const name = /name="([^"]+)"/.exec(attrs)?.[1];
    if (!name || (/type="checkbox"/.test(attrs) && !/checked/.test(attrs))) continue;
    fields[name] = /value="([^"]*)"/.exec(attrs)?.[1] ?? '';
  }
  for (const m of html.matchAll(/<select id="(\w+)" name="\w+"[^>]*>([\s\S]*?)<\/select>/g))
    fields[m[1] ?? ''] = /<option value="(\w+)" selected/.exec(m[2] ?? '')?.[1] ?? '';
  for (const m of html.matchAll(/<textarea id="(\w+)" name="\w+"[^>]*>([\s\S]*?)<\/textarea>/g))
    fields[m[1] ?? ''] = (m[2] ?? '').replaceAll('&quot;', '"');
  return fields;
}

describe('operator actions on the master', () => {
  it('edits a schedule at the version it was loaded at, and refuses a stale form with 409 and a reload link', async () => {
    stack = await createMasterStack();
    await seed(stack, 'report', { retry: { maxAttempts: 3 }, timeoutSeconds: 42 });
    const form = await get(stack, '/ui/schedules/report/edit');
    expect(form.status).toBe(200);
    const fields = formFields(form.html);
    expect(fields).toMatchObject({
      id: 'report',
      task: 'echo',
      triggerType: 'cron',
      expression: '0 9 * * *',
      timezone: 'Europe/Berlin',
      version: '1',
      paused: '1',
    });
    expect(JSON.parse(fields.args ?? '')).toEqual({ to: 'ops' });

    const saved = await post(stack, '/ui/schedules/report/edit', { ...fields, expression: '30 7 * * 1-5' });
    expect(saved.status).toBe(303);
    expect(saved.location).toBe('/ui/schedules/report');
    const edited = await stack.scheduler.getSchedule('report');
    expect(edited.trigger).toEqual({ type: 'cron', expression: '30 7 * * 1-5', timezone: 'Europe/Berlin' });
    expect(edited.version).toBe(2);
    // What the form does not show is kept.
    expect(edited.retry.maxAttempts).toBe(3);
    expect(edited.timeoutSeconds).toBe(42);

    // The same form again (version 1): refused, nothing overwritten.
    const stale = await post(stack, '/ui/schedules/report/edit', { ...fields, expression: '0 12 * * *' });
    expect(stale.status).toBe(409);
    expect(stale.html).toContain('was changed by someone else after you opened this form');
    expect(stale.html).toContain('You edited version 1; it is now at version 2');
    expect(stale.html).toContain('<a href="/ui/schedules/report/edit">Reload the current version</a>');
    expect(stale.html).toContain('value="0 12 * * *"'); // what was typed is still there
    expect((await stack.scheduler.getSchedule('report')).trigger).toMatchObject({
      expression: '30 7 * * 1-5',
    });

    const noVersion = await post(stack, '/ui/schedules/report/edit', { ...fields, version: '' });
    expect(noVersion.status).toBe(400);
    expect((await get(stack, '/ui/schedules/nope/edit')).status).toBe(404);
  });

  it('clones a schedule: the form prefilled with a new id, the hidden fields copied', async () => {
    stack = await createMasterStack();
    await seed(stack, 'report', { retry: { maxAttempts: 4 }, timeoutSeconds: 30, maxInstances: 2 });
    const form = await get(stack, '/ui/schedules/report/clone');
    expect(form.status).toBe(200);
    const fields = formFields(form.html);
    expect(fields).toMatchObject({
      id: 'report-copy',
      task: 'echo',
      expression: '0 9 * * *',
      cloneOf: 'report',
    });
    const created = await post(stack, '/ui/schedules', fields);
    expect(created.status).toBe(303);
    expect(created.location).toBe('/ui/schedules/report-copy');
    const copy = await stack.scheduler.getSchedule('report-copy');
    expect(copy.retry.maxAttempts).toBe(4);
    expect(copy.timeoutSeconds).toBe(30);
    expect(copy.maxInstances).toBe(2);
    expect(copy.args).toEqual({ to: 'ops' });
  });

  it('deletes only after the confirmation form is submitted', async () => {
    stack = await createMasterStack();
    await seed(stack, 'report');
    const csrf = csrfOf((await get(stack, '/ui/schedules')).html);
    const asked = await get(stack, '/ui/schedules/report/delete');
    expect(asked.status).toBe(200);
    expect(asked.html).toContain('Delete schedule report?');
    expect((await post(stack, '/ui/schedules/report/delete', { _csrf: csrf })).status).toBe(200);
    expect((await stack.scheduler.getSchedule('report')).id).toBe('report');
    const confirm = formFields(asked.html);
    expect(confirm).toMatchObject({ confirm: 'yes', version: '1' });
    const deleted = await post(stack, '/ui/schedules/report/delete', confirm);
    expect(deleted.status).toBe(303);
    expect((await get(stack, '/ui/schedules/report')).status).toBe(404);
  });

  it('pauses, resumes and deletes the selected schedules in bulk, a delete after confirmation', async () => {
    stack = await createMasterStack();
    for (const id of ['a1', 'a2', 'b1']) await seed(stack, id, { paused: false });
    const csrf = csrfOf((await get(stack, '/ui/schedules?q=a')).html);
    const paused = await post(stack, '/ui/schedules/bulk', {
      _csrf: csrf,
      q: 'a',
      action: 'pause',
      ids: ['a1', 'a2'],
    });
    expect(paused.status).toBe(303);
    expect(paused.location).toBe('/ui/schedules?q=a');
    const state = async () =>
      Object.fromEntries(
        (await stack?.scheduler.listSchedules({ limit: 10 }))?.items.map((s) => [s.id, s.paused]) ?? [],
      );
    expect(await state()).toEqual({ a1: true, a2: true, b1: false });
    await post(stack, '/ui/schedules/bulk', { _csrf: csrf, action: 'resume', ids: ['a2'] });
    expect(await state()).toEqual({ a1: true, a2: false, b1: false });

    const none = await post(stack, '/ui/schedules/bulk', { _csrf: csrf, action: 'pause' });
    expect(none.status).toBe(400);
    expect(none.html).toContain('No schedule selected');

    const asked = await post(stack, '/ui/schedules/bulk', {
      _csrf: csrf,
      action: 'delete',
      ids: ['a1', 'a2'],
    });
    expect(asked.status).toBe(200);
    expect(asked.html).toContain('Delete 2 schedules?');
    expect(Object.keys(await state())).toEqual(['a1', 'a2', 'b1']);
    const deleted = await post(stack, '/ui/schedules/bulk', {
      _csrf: csrf,
      action: 'delete',
      confirm: 'yes',
      ids: ['a1', 'a2'],
    });
    expect(deleted.status).toBe(303);
    expect(Object.keys(await state())).toEqual(['b1']);

    const gone = await post(stack, '/ui/schedules/bulk', { _csrf: csrf, action: 'pause', ids: ['a1', 'b1'] });
    expect(gone.status).toBe(409);
    expect(gone.html).toContain('1 schedule paused: b1');
    expect(gone.html).toContain('a1: schedule &quot;a1&quot; does not exist');
  });

  it('cancels a running job and re-runs a finished one from the job page', async () => {
    stack = await createMasterStack();
    await seed(stack, 'slow', { task: 'block' });
    const job = await stack.scheduler.runNow('slow');
    await eventually(async () => expect((await stack?.scheduler.getJob(job.id))?.status).toBe('running'));
    const page = await get(stack, `/ui/jobs/${job.id}`);
    expect(page.html).toContain(`action="/ui/jobs/${job.id}/cancel"`);
    expect(page.html).not.toContain('/rerun"');
    const cancelled = await post(stack, `/ui/jobs/${job.id}/cancel`, { _csrf: csrfOf(page.html) });
    expect(cancelled.status).toBe(303);
    await eventually(async () => expect((await stack?.scheduler.getJob(job.id))?.status).toBe('cancelled'));

    const finished = await get(stack, `/ui/jobs/${job.id}`);
    expect(finished.html).toContain(`action="/ui/jobs/${job.id}/rerun"`);
    expect(finished.html).not.toContain('/cancel"');
    const again = await post(stack, `/ui/jobs/${job.id}/cancel`, { _csrf: csrfOf(page.html) });
    expect(again.status).toBe(409);
    const rerun = await post(stack, `/ui/jobs/${job.id}/rerun`, { _csrf: csrfOf(page.html) });
    expect(rerun.status).toBe(303);
    const rerunId = rerun.location?.slice('/ui/jobs/'.length) ?? '';
    expect(rerunId).not.toBe(job.id);
    const fresh = await stack.scheduler.getJob(rerunId);
    expect(fresh.scheduleId).toBe('slow');
    const history = await get(stack, '/ui/history');
    expect(history.html).toContain(`action="/ui/jobs/${job.id}/rerun"`);
    await stack.scheduler.cancelJob(rerunId);
  });

  it('offers none of them on a replica, and refuses their POSTs', async () => {
    stack = await createMasterStack('sqlite::memory:', dmzProjector());
    await seed(stack, 'report');
    await stack.scheduler.runNow('report');
    await eventually(async () =>
      expect(
        (await stack?.scheduler.listJobs({ limit: 1, scheduleId: 'report' }))?.items[0]?.finishedAt,
      ).toBeTruthy(),
    );
    replicaStore = await loadDmzReplica(stack.store, 'sqlite::memory:');
    const replica = createReplicaApp(replicaStore);
    for (const path of ['/ui/schedules', '/ui/schedules/report', '/ui/history']) {
      const html = await (await replica.request(path)).text();
      for (const word of ['/edit', '/clone', '/delete', '/rerun', '/cancel', 'name="ids"'])
        expect(html, `${path} ${word}`).not.toContain(word);
    }
    for (const path of ['/ui/schedules/report/edit', '/ui/schedules/report/clone'])
      expect((await replica.request(path)).status, path).toBe(404);
    for (const path of ['/ui/schedules/report/edit', '/ui/schedules/bulk', '/ui/schedules/report/delete'])
      expect((await replica.request(path, { method: 'POST' })).status, path).toBe(403);
  });
});
