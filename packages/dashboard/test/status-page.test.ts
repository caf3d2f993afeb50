import { type CreateScheduleBody, createScheduleBodySchema } from '@schedulezero/protocol';
import { createReadOnlyScheduler, type ReadStore, type ReplicaStore } from '@schedulezero/scheduler-core';
import { eventually } from '@schedulezero/scheduler-core/testing';
import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import { registerDashboard } from '../src/index.ts';
import { dmzProjector, loadDmzReplica } from './support/dmz-replica.ts';
import { createMasterStack, type MasterStack, TOKEN } from './support/stack.ts';

// The public status page and its feed, on a master that turns it on and on a DMZ replica.

const CANARY = 'CANARY-5747u5-page';

let stack: MasterStack | undefined;
let replicaStore: ReplicaStore | undefined;
afterEach(async () => {
  await replicaStore?.close();
  await stack?.close();
  replicaStore = undefined;
  stack = undefined;
});

function body(id: string, task: string, extra: Partial<CreateScheduleBody>): CreateScheduleBody {
  return createScheduleBodySchema.parse({ id, task, trigger: { type: 'interval', seconds: 3600 }, ...extra });
}

/** Runs the schedule `times` times, one after the other (one instance at a time). */
async function runTimes(current: MasterStack, id: string, times: number): Promise<void> {
  for (let run = 1; run <= times; run += 1) {
    await current.scheduler.runNow(id);
    await eventually(async () => {
      const jobs = (await current.scheduler.listJobs({ limit: 50, scheduleId: id })).items;
      expect(jobs.filter((job) => job.finishedAt !== null)).toHaveLength(run);
    });
  }
}

function statusApp(store: ReadStore): Hono {
  const app = new Hono();
  registerDashboard(app, {
    reads: createReadOnlyScheduler({ store }),
    readOnly: true,
    requireAuth: true,
    tokens: [TOKEN],
    nodeName: 'dmz-replica',
    statusPage: true,
  });
  return app;
}

async function get(app: Hono, path: string): Promise<string> {
  const response = await app.request(path);
  expect(response.status, path).toBe(200);
  return response.text();
}

describe('the public status page', () => {
  it('lists only schedules with metadata.public.title, by that name, with bars, uptime, last success and next run', async () => {
    stack = await createMasterStack('sqlite::memory:', dmzProjector());
    const { scheduler } = stack;
    await scheduler.createSchedule(
      body('nightly-7f3a', 'echo', {
        args: { apiKey: CANARY },
        metadata: { public: { title: 'Nightly backup', contact: CANARY }, owner: CANARY },
      }),
    );
    await scheduler.createSchedule(
      body('flaky-91bc', 'fail', { paused: true, metadata: { public: { title: 'Partner sync' } } }),
    );
    await scheduler.createSchedule(body('hidden-e2d0', 'echo', { metadata: { owner: 'ops' } }));
    await runTimes(stack, 'nightly-7f3a', 2);
    await runTimes(stack, 'flaky-91bc', 1);
    await runTimes(stack, 'hidden-e2d0', 1);

    replicaStore = await loadDmzReplica(stack.store, 'sqlite::memory:');
    const replica = statusApp(replicaStore);
    const html = await get(replica, '/status');
    const feed = JSON.parse(await get(replica, '/status.json')) as {
      schedules: Array<{ title: string; state: string; uptimePercent: number | null; runs: unknown[] }>;
    };

    for (const text of [html, JSON.stringify(feed)]) {
      expect(text).not.toContain(CANARY);
      for (const hidden of ['nightly-7f3a', 'flaky-91bc', 'hidden-e2d0', 'echo', 'ops'])
        expect(text).not.toContain(hidden);
    }
    expect(feed.schedules.map((row) => [row.title, row.state, row.uptimePercent, row.runs.length])).toEqual([
      ['Nightly backup', 'scheduled', 100, 2],
      ['Partner sync', 'paused', 0, 1],
    ]);
    expect(html).toContain('<h2>Nightly backup</h2>');
    expect(html).toContain('100 % of the last 2 runs succeeded');
    expect(html).toContain('0 % of the last run succeeded');
    // Each bar names its outcome in text, not by colour alone.
    expect(
      html.match(/<li class="run run-succeeded"[^>]*><span class="visually-hidden">[^<]*: succeeded</g),
    ).toHaveLength(2);
    expect(
      html.match(/<li class="run run-failed"[^>]*><span class="visually-hidden">[^<]*: failed</g),
    ).toHaveLength(1);
    const next = (await scheduler.getSchedule('nightly-7f3a')).nextRunAt?.toISOString();
    expect(html).toContain(`<dt>Next run</dt><dd>in 1 h (<time datetime="${next}">`);
    expect(html).toContain('<dt>Next run</dt><dd>paused</dd>');
    expect(html).toContain('<dt>Last success</dt><dd>none in the last run</dd>');

    // No login for the page (the master's pages need one), and it exists only where turned on.
    expect((await stack.app.request('/status')).status).toBe(404);
    const plain = new Hono();
    registerDashboard(plain, {
      reads: createReadOnlyScheduler({ store: replicaStore }),
      readOnly: true,
      requireAuth: true,
      tokens: [TOKEN],
      nodeName: 'regional',
    });
    expect((await plain.request('/status.json')).status).toBe(404);
  });
});
