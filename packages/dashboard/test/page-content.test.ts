import type { CreateScheduleBody, Job } from '@schedulezero/protocol';
import { createScheduleBodySchema } from '@schedulezero/protocol';
import type { ReplicaStore } from '@schedulezero/scheduler-core';
import { eventually } from '@schedulezero/scheduler-core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { absoluteTime } from '../src/format/time-format.ts';
import { dmzProjector, loadDmzReplica } from './support/dmz-replica.ts';
import { createMasterStack, createReplicaApp, type MasterStack } from './support/stack.ts';

// What each page shows, read from the HTML a real store and scheduler produce.

const CANARY = 'CANARY-51c0de-page-content';

let stack: MasterStack | undefined;
let replicaStore: ReplicaStore | undefined;
afterEach(async () => {
  await replicaStore?.close();
  await stack?.close();
  replicaStore = undefined;
  stack = undefined;
});

async function text(path: string, app = stack?.app): Promise<string> {
  if (!app) throw new Error('no app');
  const response = await app.request(path, { headers: { cookie: stack?.cookie ?? '' } });
  expect(response.status, path).toBe(200);
  return response.text();
}

function body(id: string, task: string, extra: Partial<CreateScheduleBody> = {}): CreateScheduleBody {
  return createScheduleBodySchema.parse({
    id,
    task,
    trigger: { type: 'interval', seconds: 3600 },
    paused: true,
    ...extra,
  });
}

/** Runs each schedule once (run now) and waits until its job has finished. */
async function runOnce(current: MasterStack, ids: string[]): Promise<Map<string, Job>> {
  for (const id of ids) await current.scheduler.runNow(id);
  const done = new Map<string, Job>();
  await eventually(async () => {
    for (const id of ids) {
      const [job] = (await current.scheduler.listJobs({ limit: 5, scheduleId: id })).items;
      expect(job?.finishedAt, id).toBeTruthy();
      if (job) done.set(id, job);
    }
  });
  return done;
}

/** The ids the `<tbody>` rows' first cells link to (after the master's selection checkbox), in order. */
function firstCells(html: string): string[] {
  const tbody = /<tbody>([\s\S]*?)<\/tbody>/.exec(html)?.[1] ?? '';
  return [
    ...tbody.matchAll(
      /<tr>\s*(?:<td><input type="checkbox"[^>]*><\/td>\s*)?<td[^>]*><a href="\/ui\/(?:jobs|schedules)\/([^"]+)"/g,
    ),
  ].map((m) => m[1] ?? '');
}

describe('page content', () => {
  it('handlers: each card shows status, methods, zone, tags, active jobs, success rate, average duration, last seen', async () => {
    stack = await createMasterStack();
    const lastSeenAt = new Date(Date.now() - 5 * 60_000);
    await stack.store.upsertHandler(
      {
        id: 'mailer-eu-1',
        methods: ['send-mail', 'send-sms'],
        zone: 'eu-west',
        tags: ['smtp', 'gold'],
        capacity: 8,
        status: 'healthy',
        lastSeenAt,
        activeJobs: 3,
        successCount: 9,
        failureCount: 1,
        avgDurationMs: 1500,
        registeredAt: new Date(Date.now() - 3_600_000),
      },
      'registered',
    );
    await stack.store.upsertHandler(
      {
        id: 'idle-1',
        methods: ['noop'],
        zone: '',
        tags: [],
        capacity: 1,
        status: 'offline',
        lastSeenAt,
        activeJobs: 0,
        successCount: 0,
        failureCount: 0,
        avgDurationMs: null,
        registeredAt: lastSeenAt,
      },
      'registered',
    );
    const html = await text('/ui/handlers');
    const card = (id: string) =>
      new RegExp(`<section class="card" aria-labelledby="handler-${id}">([\\s\\S]*?)</section>`).exec(
        html,
      )?.[1] ?? '';
    const mailer = card('mailer-eu-1');
    expect(mailer).toContain('<dt>Status</dt><dd><span class="status status-healthy">healthy</span></dd>');
    expect(mailer).toContain('<dt>Methods</dt><dd>send-mail, send-sms</dd>');
    expect(mailer).toContain('<dt>Zone</dt><dd>eu-west</dd>');
    expect(mailer).toContain('<dt>Tags</dt><dd>smtp, gold</dd>');
    expect(mailer).toContain('<dt>Active jobs</dt><dd>3 / 8</dd>');
    expect(mailer).toContain('<dt>Success</dt><dd>90% ok (9 ok, 1 failed)</dd>');
    expect(mailer).toContain('<dt>Avg duration</dt><dd>1.5 s</dd>');
    expect(mailer).toContain(
      `<dt>Last seen</dt><dd>5 min ago <span class="muted">${absoluteTime(lastSeenAt)}</span></dd>`,
    );
    const idle = card('idle-1');
    expect(idle).toContain('<span class="status status-offline">offline</span>');
    expect(idle).toContain('<dt>Success</dt><dd>— (0 ok, 0 failed)</dd>');
    expect(idle).toContain('<dt>Avg duration</dt><dd>—</dd>');
    expect(idle).toContain('<dt>Zone</dt><dd>—</dd>');
  });

  it('history narrows by status and by schedule; a job page shows args, result and error to the admin only', async () => {
    stack = await createMasterStack('sqlite::memory:', dmzProjector());
    await stack.scheduler.createSchedule(body('ok-one', 'echo', { args: { apiKey: CANARY } }));
    await stack.scheduler.createSchedule(body('bad-one', 'fail', { args: { apiKey: CANARY } }));
    await stack.scheduler.createSchedule(body('ok-two', 'echo'));
    const jobs = await runOnce(stack, ['ok-one', 'bad-one', 'ok-two']);
    const ok = jobs.get('ok-one')?.id ?? '';
    const bad = jobs.get('bad-one')?.id ?? '';
    const two = jobs.get('ok-two')?.id ?? '';

    expect(firstCells(await text('/ui/history')).sort()).toEqual([ok, bad, two].sort());
    expect(firstCells(await text('/ui/history?status=failed'))).toEqual([bad]);
    expect(firstCells(await text('/ui/history?status=succeeded')).sort()).toEqual([ok, two].sort());
    expect(firstCells(await text('/ui/history?scheduleId=ok-two'))).toEqual([two]);
    expect(firstCells(await text('/ui/history?scheduleId=ok-one&status=failed'))).toEqual([]);
    // The live fragment keeps the same filter.
    expect(firstCells(await text('/ui/partials/history?scheduleId=&status=failed'))).toEqual([bad]);

    const admin = await text(`/ui/jobs/${ok}`);
    expect(admin).toContain('<h2>Arguments</h2>');
    expect(admin).toContain(CANARY);
    expect(admin).toContain('<h2>Result</h2>');
    expect(admin).toContain('&quot;echoed&quot;');
    const adminFailed = await text(`/ui/jobs/${bad}`);
    expect(adminFailed).toContain('<h2>Error</h2>');
    expect(adminFailed).toContain('failed on purpose');
    expect(adminFailed).toContain('<span class="status status-failed">failed</span>');

    replicaStore = await loadDmzReplica(stack.store, 'sqlite::memory:');
    const replica = createReplicaApp(replicaStore);
    for (const id of [ok, bad]) {
      const html = await text(`/ui/jobs/${id}`, replica);
      expect(html).toContain(`<h1>Job ${id}</h1>`);
      expect(html).not.toContain(CANARY);
      expect(html).not.toContain('<h2>Arguments</h2>');
      expect(html).not.toContain('<h2>Result</h2>');
      expect(html).not.toContain('<h2>Error</h2>');
      expect(html).not.toContain('failed on purpose');
    }
    expect(await text(`/ui/jobs/${bad}`, replica)).toContain('status-failed');
    expect(firstCells(await text('/ui/history?status=failed', replica))).toEqual([bad]);
  });

  it('charts: jobs per minute by status, fire lateness and load per handler, each an svg with data', async () => {
    stack = await createMasterStack();
    await stack.scheduler.createSchedule(body('ok-one', 'echo'));
    await stack.scheduler.createSchedule(body('bad-one', 'fail'));
    await runOnce(stack, ['ok-one', 'bad-one']);
    await runOnce(stack, ['ok-one']);

    const html = await text('/ui/charts');
    const svgs = [...html.matchAll(/<svg class="chart"[^>]*aria-label="([^"]*)"[^>]*>([\s\S]*?)<\/svg>/g)];
    expect(svgs.map((m) => m[1])).toEqual([
      expect.stringMatching(/^Jobs per minute by status over the last hour: 3 jobs/),
      expect.stringMatching(/^Fire lateness per minute over the last hour, at most \d/),
      'Jobs per handler over the last hour',
    ]);
    const [perMinute, lateness, load] = svgs.map((m) => m[2] ?? '');
    // Both jobs usually finish in the same minute; across a minute boundary they are two bars.
    const bars = [...(perMinute ?? '').matchAll(/<title>(\w+): (\d+)<\/title>/g)];
    const count = (status: string) =>
      bars.filter((m) => m[1] === status).reduce((sum, m) => sum + Number(m[2]), 0);
    expect(count('succeeded')).toBe(2);
    expect(count('failed')).toBe(1);
    expect(lateness).toMatch(/<polyline points="[\d.]+,[\d.]+/);
    expect(lateness).toMatch(/<circle cx="[\d.]+" cy="[\d.]+" r="3"/);
    // The local executor runs as the node: its jobs are the node's load.
    expect(load).toContain('dash-master</text>');
    expect(load).toMatch(/>3 jobs, [\d.]+ (ms|s) busy<\/text>/);
    expect(load).toMatch(/<rect x="180" y="[\d.]+" width="[1-9][\d.]*"/);
  });

  it('replication: head seq and subscribers per zone on the master; applied seq, lag and connection on a replica', async () => {
    stack = await createMasterStack('sqlite::memory:', undefined, async () => ({
      role: 'master',
      zones: [
        { zone: 'admin', epoch: 'e1', publishedSeq: 1042, subscribers: 2, oldestSeq: 1 },
        { zone: 'dmz', epoch: 'e2', publishedSeq: 77, subscribers: 0, oldestSeq: 5 },
      ],
    }));
    const master = await text('/ui/replication');
    expect(master).toContain(
      '<tr><th scope="col">zone</th><th scope="col">epoch</th><th scope="col">head seq</th><th scope="col">subscribers</th><th scope="col">oldest seq</th></tr>',
    );
    expect(master).toContain('<tr><td>admin</td><td>e1</td><td>1042</td><td>2</td><td>1</td></tr>');
    expect(master).toContain('<tr><td>dmz</td><td>e2</td><td>77</td><td>0</td><td>5</td></tr>');

    const replica = createReplicaApp(stack.store, async () => ({
      role: 'replica',
      zone: 'dmz',
      state: 'live',
      appliedSeq: 1040,
      headSeq: 1042,
      lagMs: 35,
      lagChanges: 2,
      connected: false,
    }));
    for (const path of ['/ui/replication', '/ui/partials/replication']) {
      const html = await text(path, replica);
      expect(html).toContain('<dt>applied seq</dt><dd>1040</dd>');
      expect(html).toContain('<dt>head seq</dt><dd>1042</dd>');
      expect(html).toContain('<dt>lag</dt><dd>35 ms</dd>');
      expect(html).toContain('<dt>lag (changes)</dt><dd>2</dd>');
      expect(html).toContain('<dt>connected</dt><dd>no</dd>');
      expect(html).toContain('<dt>state</dt><dd>live</dd>');
    }
  });

  it('schedules: ?q= searches by id or task, and the next-page link pages through the rest', async () => {
    stack = await createMasterStack();
    const ids = Array.from({ length: 60 }, (_, i) => `report-${String(i).padStart(2, '0')}`);
    await stack.scheduler.createSchedules([
      ...ids.map((id) => body(id, 'echo')),
      body('cleanup', 'fail'),
      body('mailer', 'send-mail'),
    ]);

    expect(firstCells(await text('/ui/schedules?q=clean'))).toEqual(['cleanup']);
    expect(firstCells(await text('/ui/schedules?q=SEND-MAIL'))).toEqual(['mailer']);
    expect(firstCells(await text('/ui/partials/schedules?q=mailer'))).toEqual(['mailer']);
    const none = await text('/ui/schedules?q=nothing-like-this');
    expect(firstCells(none)).toEqual([]);
    expect(none).toContain('No schedule matches “nothing-like-this”.');

    // Every schedule once, following "Next page" links, 25 to a page.
    const seen: string[] = [];
    let path: string | undefined = '/ui/schedules';
    let pages = 0;
    while (path !== undefined) {
      const html = await text(path);
      const cells = firstCells(html);
      expect(cells.length).toBeLessThanOrEqual(25);
      seen.push(...cells);
      pages += 1;
      const next = /<a href="(\/ui\/schedules\?[^"]*cursor=[^"]+)">Next page →<\/a>/.exec(html)?.[1];
      path = next?.replaceAll('&amp;', '&');
      expect(pages).toBeLessThan(5);
    }
    expect(pages).toBe(3);
    expect(seen.sort()).toEqual([...ids, 'cleanup', 'mailer'].sort());

    // A search that matches more than a page pages too (a page may hold a few more than 25, as
    // whole store pages are filtered), and its links keep the search.
    const first = await text('/ui/schedules?q=report');
    const next = /<a href="(\/ui\/schedules\?q=report&amp;cursor=[^"]+)">Next page →<\/a>/.exec(first)?.[1];
    expect(next).toBeDefined();
    const rest = firstCells(await text(next?.replaceAll('&amp;', '&') ?? ''));
    expect([...firstCells(first), ...rest].sort()).toEqual(ids);
  });
});
