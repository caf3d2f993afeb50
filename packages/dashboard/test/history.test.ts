import { createScheduleBodySchema } from '@schedulezero/protocol';
import { eventually } from '@schedulezero/scheduler-core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createMasterStack, type MasterStack } from './support/stack.ts';

// The history's columns (task, handler, error summary) and its filters by task, status and handler.

let stack: MasterStack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

async function html(current: MasterStack, path: string): Promise<string> {
  const response = await current.app.request(path, { headers: { cookie: current.cookie } });
  expect(response.status, path).toBe(200);
  return response.text();
}

/** The job ids the history rows link to. */
function jobIds(page: string): string[] {
  return [...page.matchAll(/<td data-label="Job"><a href="\/ui\/jobs\/([^"]+)"/g)].map((m) => m[1] ?? '');
}

describe('history', () => {
  it('shows task, handler and the error in short, and filters by task, status and handler', async () => {
    stack = await createMasterStack();
    for (const [id, task] of [
      ['ok', 'echo'],
      ['bad', 'fail'],
    ])
      await stack.scheduler.createSchedule(
        createScheduleBodySchema.parse({
          id,
          task,
          trigger: { type: 'interval', seconds: 3600 },
          paused: true,
        }),
      );
    const okJob = await stack.scheduler.runNow('ok');
    const badJob = await stack.scheduler.runNow('bad');
    const done = await eventually(async () => {
      const jobs = await Promise.all([okJob, badJob].map((job) => stack?.scheduler.getJob(job.id)));
      for (const job of jobs) expect(job?.finishedAt).toBeTruthy();
      return jobs;
    });
    const handlerId = done[0]?.handlerId ?? '';
    expect(handlerId).not.toBe('');

    const page = await html(stack, '/ui/history');
    expect(page).toContain('<th scope="col">Task</th>');
    expect(page).toContain(`<td data-label="Task">fail</td>`);
    expect(page).toContain(`<td data-label="Handler">${handlerId}</td>`);
    expect(page).toContain('<td data-label="Error">handler_error: failed on purpose</td>');
    // Ids are shortened in the table, whole in the link's title.
    expect(page).toContain(`title="${badJob.id}">${badJob.id.slice(0, 8)}…</a>`);

    expect(jobIds(await html(stack, '/ui/history?task=fail'))).toEqual([badJob.id]);
    expect(jobIds(await html(stack, '/ui/history?task=echo&status=succeeded'))).toEqual([okJob.id]);
    expect(jobIds(await html(stack, '/ui/history?task=echo&status=failed'))).toEqual([]);
    expect(jobIds(await html(stack, `/ui/history?handlerId=${handlerId}`)).sort()).toEqual(
      [okJob.id, badJob.id].sort(),
    );
    expect(jobIds(await html(stack, '/ui/history?handlerId=nobody'))).toEqual([]);
    const filtered = await html(stack, '/ui/history?task=fail');
    expect(filtered).toContain('data-src="/ui/partials/history?scheduleId=&amp;status=&amp;task=fail"');
    expect(jobIds(await html(stack, '/ui/partials/history?task=fail'))).toEqual([badJob.id]);
  });
});
