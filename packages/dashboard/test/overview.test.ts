import { type CreateScheduleBody, createScheduleBodySchema, JOB_STATUSES } from '@schedulezero/protocol';
import { eventually } from '@schedulezero/scheduler-core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createMasterStack, createReplicaApp, type MasterStack } from './support/stack.ts';

// The overview, the landing page: its numbers against what the scheduler's own API lists.

let stack: MasterStack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

function body(id: string, task: string): CreateScheduleBody {
  return createScheduleBodySchema.parse({
    id,
    task,
    trigger: { type: 'interval', seconds: 3600 },
    paused: true,
  });
}

/** Status → [last hour, last day], read from the page's counts table. */
function countsOf(html: string): Record<string, [number, number]> {
  const rows = html.matchAll(
    /<tr><th scope="row"><span class="status status-(\w+)">[^<]*<\/span><\/th><td>(\d+)<\/td><td>(\d+)<\/td><\/tr>/g,
  );
  return Object.fromEntries([...rows].map((m) => [m[1], [Number(m[2]), Number(m[3])]]));
}

describe('the overview', () => {
  it('counts jobs by status as the API lists them, names the failing schedules, and is the landing page', async () => {
    stack = await createMasterStack();
    const current = stack;
    for (const [id, task] of [
      ['ok-one', 'echo'],
      ['ok-two', 'echo'],
      ['bad-one', 'fail'],
      ['mended', 'fail'],
    ] as const)
      await current.scheduler.createSchedule(body(id, task));
    for (const id of ['ok-one', 'ok-two', 'bad-one', 'mended']) await current.scheduler.runNow(id);
    await eventually(async () => {
      const jobs = (await current.scheduler.listJobs({ limit: 50 })).items;
      expect(jobs.filter((job) => job.finishedAt !== null)).toHaveLength(4);
    });
    // "mended" failed, then its task was fixed and its next run succeeded: no longer failing.
    await current.scheduler.patchSchedule('mended', { task: 'echo' });
    await current.scheduler.runNow('mended');
    await eventually(async () => {
      const jobs = (await current.scheduler.listJobs({ limit: 50 })).items;
      expect(jobs.filter((job) => job.finishedAt !== null)).toHaveLength(5);
    });

    const landing = await current.app.request('/ui', { headers: { cookie: current.cookie } });
    expect(landing.headers.get('location')).toBe('/ui/overview');
    const response = await current.app.request('/ui/overview', { headers: { cookie: current.cookie } });
    expect(response.status).toBe(200);
    const html = await response.text();

    const jobs = (await current.scheduler.listJobs({ limit: 50 })).items;
    const expected = Object.fromEntries(
      JOB_STATUSES.map((status) => {
        const n = jobs.filter((job) => job.status === status).length;
        return [status, [n, n]];
      }),
    );
    expect(countsOf(html)).toEqual(expected);
    expect(expected.succeeded).toEqual([3, 3]);
    expect(expected.failed).toEqual([2, 2]);

    const failing = /<h2>Failing schedules<\/h2>([\s\S]*?)<h2>/.exec(html)?.[1] ?? '';
    expect([...failing.matchAll(/<a href="\/ui\/schedules\/([^"]+)">/g)].map((m) => m[1])).toEqual([
      'bad-one',
    ]);
    expect(failing).toContain('handler_error');
    expect(html).toContain('No handler worker has registered with this master.');
    expect(html).toContain('<a href="/ui/overview" aria-current="page">Overview</a>');

    // A replica shows its replication lag instead of handlers.
    const replica = createReplicaApp(current.store, async () => ({
      role: 'replica',
      lagMs: 1500,
      connected: true,
    }));
    const replicaHtml = await (await replica.request('/ui/overview')).text();
    expect(countsOf(replicaHtml)).toEqual(expected);
    expect(replicaHtml).toContain('<h2>Replication</h2>');
    expect(replicaHtml).toContain('<dt>lag</dt><dd>1.5 s</dd>');
    expect(replicaHtml).not.toContain('<h2>Handlers</h2>');
  });
});
