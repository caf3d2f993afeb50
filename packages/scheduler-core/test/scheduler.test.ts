import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Job } from '@schedulezero/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { combineExecutors } from '../src/execution/combined-executor.ts';
import { createLocalExecutor, type HandlerFunction } from '../src/execution/local-executor.ts';
import { createScheduler } from '../src/scheduler.ts';
import type { Scheduler } from '../src/scheduler-types.ts';
import { openStore } from '../src/store/index.ts';
import type { MasterStore } from '../src/store/roles.ts';
import { createFakeClock, eventually, type FakeClock } from '../src/testing/index.ts';

let dir: string;
let store: MasterStore;
let clock: FakeClock;
let scheduler: Scheduler | undefined;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sz-loop-'));
  store = await openStore(`sqlite:${join(dir, 'loop.db')}`);
  clock = createFakeClock('2026-03-01T10:00:00.000Z');
});

afterEach(async () => {
  await scheduler?.stop({ graceMs: 0 });
  scheduler = undefined;
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

function start(handlers: Record<string, HandlerFunction>, concurrency = 10): Scheduler {
  scheduler = createScheduler({
    store,
    clock,
    nodeId: 'test-node',
    executor: createLocalExecutor(handlers, { concurrency }),
  });
  return scheduler;
}

async function jobsOf(scheduleId: string): Promise<Job[]> {
  return (await store.listJobs({ limit: 500, scheduleId })).items.reverse();
}

/**
 * Waits until the loop has caught up: no job running, none pending whose time has come, and the
 * loop's timer armed again (between passes it is the only timer left).
 */
async function settled(): Promise<void> {
  await eventually(async () => {
    expect(clock.pendingTimers()).toBe(1);
    const counts = await store.countJobsByStatus();
    expect(counts.running).toBe(0);
    const due = (await store.listJobs({ limit: 500, status: 'pending' })).items.filter(
      (job) => job.notBefore <= clock.now(),
    );
    expect(due).toEqual([]);
  });
}

describe('the run loop on a fake clock', () => {
  it('fires an every-second cron once per second and records each result', async () => {
    const calls: string[] = [];
    const s = start({ tick: (_args, ctx) => calls.push(ctx.scheduledAt.toISOString()) });
    await s.start();
    await s.createSchedule({
      ...defaults(),
      id: 'every-second',
      task: 'tick',
      trigger: { type: 'cron', expression: '* * * * * *', timezone: 'UTC' },
    });
    for (let second = 1; second <= 3; second++) {
      clock.advance(1000);
      await eventually(async () =>
        expect((await jobsOf('every-second')).filter((j) => j.status === 'succeeded')).toHaveLength(second),
      );
    }
    const jobs = await jobsOf('every-second');
    expect(jobs.map((job) => job.scheduledAt.toISOString())).toEqual([
      '2026-03-01T10:00:01.000Z',
      '2026-03-01T10:00:02.000Z',
      '2026-03-01T10:00:03.000Z',
    ]);
    expect(calls).toEqual(jobs.map((job) => job.scheduledAt.toISOString()));
    expect(jobs.every((job) => job.attempt === 1 && job.handlerId === 'test-node')).toBe(true);
  });

  it('arms its timer for the earliest fire time, not a polling tick', async () => {
    const s = start({ noop: () => null });
    await s.start();
    await s.createSchedule({
      ...defaults(),
      id: 'daily',
      task: 'noop',
      trigger: { type: 'cron', expression: '0 9 * * *', timezone: 'Europe/Berlin' },
    });
    await settled();
    // 10:00Z is 11:00 in Berlin: the next run is tomorrow 08:00Z; nothing runs before it.
    clock.set(new Date('2026-03-02T07:59:59.999Z'));
    await settled();
    expect(await jobsOf('daily')).toEqual([]);
    clock.set(new Date('2026-03-02T08:00:00.000Z'));
    await eventually(async () => expect((await jobsOf('daily')).map((j) => j.status)).toEqual(['succeeded']));
  });

  it('retries a failing job with backoff until it succeeds', async () => {
    let calls = 0;
    const s = start({
      flaky: () => {
        calls += 1;
        if (calls < 3) throw new Error(`boom ${calls}`);
        return { ok: true };
      },
    });
    await s.start();
    await s.createSchedule({
      ...defaults(),
      id: 'flaky',
      task: 'flaky',
      trigger: { type: 'date', at: '2026-03-01T10:00:01Z' },
      retry: { maxAttempts: 3, backoffMs: 1000, backoffFactor: 2 },
    });
    clock.advance(1000);
    await eventually(() => expect(calls).toBe(1));
    await settled();
    const [afterFirst] = await jobsOf('flaky');
    expect(afterFirst).toMatchObject({
      status: 'pending',
      attempt: 1,
      error: { code: 'handler_error', message: 'boom 1' },
    });
    clock.advance(1000); // the first backoff is within [500, 1000] ms
    await eventually(() => expect(calls).toBe(2));
    clock.advance(2000); // the second within [1000, 2000] ms
    await eventually(async () =>
      expect((await jobsOf('flaky'))[0]).toMatchObject({
        status: 'succeeded',
        attempt: 3,
        result: { ok: true },
        error: null,
      }),
    );
  });

  it('records a failure once the attempts are exhausted', async () => {
    const s = start({ broken: () => Promise.reject(new Error('always')) });
    await s.start();
    await s.createSchedule({
      ...defaults(),
      id: 'broken',
      task: 'broken',
      trigger: { type: 'date', at: '2026-03-01T10:00:01Z' },
      retry: { maxAttempts: 2, backoffMs: 100, backoffFactor: 1 },
    });
    clock.advance(1000);
    await settled();
    clock.advance(100);
    await eventually(async () =>
      expect((await jobsOf('broken'))[0]).toMatchObject({
        status: 'failed',
        attempt: 2,
        error: { code: 'handler_error', message: 'always' },
      }),
    );
  });

  it('times a job out, aborts its signal, and records timed_out', async () => {
    let aborted = false;
    const s = start({
      hang: (_args, ctx) =>
        new Promise(() => {
          ctx.signal.addEventListener('abort', () => {
            aborted = true;
          });
        }),
    });
    await s.start();
    await s.createSchedule({
      ...defaults(),
      id: 'hang',
      task: 'hang',
      timeoutSeconds: 5,
      trigger: { type: 'date', at: '2026-03-01T10:00:01Z' },
    });
    clock.advance(1000);
    await eventually(async () => expect((await jobsOf('hang'))[0]?.status).toBe('running'));
    clock.advance(5000);
    await eventually(async () =>
      expect((await jobsOf('hang'))[0]).toMatchObject({ status: 'timed_out', error: { code: 'timeout' } }),
    );
    const [job] = await jobsOf('hang');
    expect((job?.finishedAt?.getTime() ?? 0) - (job?.startedAt?.getTime() ?? 0)).toBe(5000);
    expect(aborted).toBe(true);
  });

  it('keeps maxInstances: a fire while the previous run is still going is recorded as missed', async () => {
    let release: () => void = () => {};
    const s = start({
      slow: () =>
        new Promise<void>((resolve) => {
          release = resolve;
        }),
    });
    await s.start();
    await s.createSchedule({
      ...defaults(),
      id: 'slow',
      task: 'slow',
      trigger: { type: 'interval', seconds: 10 },
    });
    clock.advance(10_000);
    await eventually(async () => expect((await jobsOf('slow')).map((j) => j.status)).toEqual(['running']));
    clock.advance(10_000);
    await eventually(async () =>
      expect((await jobsOf('slow')).map((j) => j.status)).toEqual(['running', 'missed']),
    );
    expect((await jobsOf('slow'))[1]?.error?.code).toBe('max_instances');
    await expect(s.runNow('slow')).rejects.toMatchObject({ code: 'max_instances' });
    release();
    await eventually(async () =>
      expect((await jobsOf('slow')).map((j) => j.status)).toEqual(['succeeded', 'missed']),
    );
  });

  it('runs a manual job at once and pause stops the firing', async () => {
    const s = start({ noop: () => 'done' });
    await s.start();
    await s.createSchedule({
      ...defaults(),
      id: 'p',
      task: 'noop',
      trigger: { type: 'interval', seconds: 60 },
    });
    const job = await s.runNow('p');
    expect(job).toMatchObject({ source: 'manual', status: 'pending' });
    await eventually(async () =>
      expect(await s.getJob(job.id)).toMatchObject({ status: 'succeeded', result: 'done' }),
    );
    await s.pauseSchedule('p');
    clock.advance(120_000);
    await settled();
    expect((await jobsOf('p')).map((j) => j.source)).toEqual(['manual']);
    const resumed = await s.resumeSchedule('p');
    expect(resumed.nextRunAt?.getTime()).toBeGreaterThan(clock.now().getTime());
  });

  it('keeps the version while firing: a patch with the version read before the fires applies', async () => {
    const s = start({ noop: () => 'done' });
    await s.start();
    await s.createSchedule({
      ...defaults(),
      id: 'v',
      task: 'noop',
      trigger: { type: 'interval', seconds: 1 },
    });
    const read = await s.getSchedule('v');
    clock.advance(3000);
    await eventually(async () => expect((await jobsOf('v')).length).toBeGreaterThanOrEqual(1));
    await settled();
    const fired = await s.getSchedule('v');
    expect(fired.lastRunAt).not.toBeNull();
    expect(fired.version).toBe(read.version);
    const patched = await s.patchSchedule('v', { version: read.version, metadata: { owner: 'ops' } });
    expect(patched).toMatchObject({
      version: read.version + 1,
      metadata: { owner: 'ops' },
      // The edit leaves the fire time the loop reached; it does not move it back to the read's.
      nextRunAt: fired.nextRunAt,
      lastRunAt: fired.lastRunAt,
    });
  });

  it('fires a date a little in the past at once, and refuses one beyond the misfire grace', async () => {
    const s = start({ noop: () => 'done' });
    await s.start();
    const at = new Date(clock.now().getTime() - 10_000);
    await s.createSchedule({
      ...defaults(),
      id: 'late',
      task: 'noop',
      trigger: { type: 'date', at: at.toISOString() },
    });
    await settled();
    expect((await jobsOf('late')).map((job) => [job.status, job.scheduledAt.toISOString()])).toEqual([
      ['succeeded', at.toISOString()],
    ]);
    const tooLate = { type: 'date' as const, at: new Date(clock.now().getTime() - 61_000).toISOString() };
    await expect(
      s.createSchedule({ ...defaults(), id: 'too-late', task: 'noop', trigger: tooLate }),
    ).rejects.toMatchObject({ code: 'validation' });
  });
});

describe('jobs nobody can run', () => {
  it('fail with no_handler after the wait, unless a registered handler offers their task', async () => {
    scheduler = createScheduler({
      store,
      clock,
      nodeId: 'test-node',
      noHandlerWaitMs: 10_000,
      executor: createLocalExecutor({ known: () => 'ran' }),
    });
    await scheduler.start();
    const now = clock.now();
    await store.upsertHandler(
      {
        id: 'remote-1',
        methods: ['remote_task'],
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
    for (const [id, task] of [
      ['orphan', 'nobody_has_this'],
      ['remote', 'remote_task'],
    ] as const) {
      await scheduler.createSchedule({
        ...defaults(),
        id,
        task,
        trigger: { type: 'interval', seconds: 3600 },
      });
    }
    const orphan = await scheduler.runNow('orphan');
    const remote = await scheduler.runNow('remote');
    clock.advance(9_000);
    // The loop armed again (its timer is the only one): nothing was failed before the wait.
    await eventually(() => expect(clock.pendingTimers()).toBe(1));
    expect((await store.getJob(orphan.id))?.status).toBe('pending');
    clock.advance(31_000); // past the wait, and the loop's 30 s safety wake-up
    await eventually(async () =>
      expect(await store.getJob(orphan.id)).toMatchObject({
        status: 'failed',
        error: { code: 'no_handler' },
      }),
    );
    expect((await store.getJob(remote.id))?.status).toBe('pending');
  });

  it('block their schedule with one missed row, however often it fires (a task name with a typo)', async () => {
    scheduler = createScheduler({
      store,
      clock,
      nodeId: 'test-node',
      noHandlerWaitMs: 60_000,
      executor: createLocalExecutor({ echo: () => 'ran' }),
    });
    await scheduler.start();
    await scheduler.createSchedule({
      ...defaults(),
      id: 'typo',
      task: 'ecko',
      trigger: { type: 'interval', seconds: 1 },
    });
    for (let second = 1; second <= 5; second++) {
      clock.advance(1000);
      // The job stays pending (no handler), so wait for the fire to be planned instead.
      await eventually(async () => {
        const next = (await store.getSchedule('typo'))?.nextRunAt;
        expect(next?.getTime()).toBeGreaterThan(clock.now().getTime());
        expect(clock.pendingTimers()).toBe(1);
      });
    }
    const history = await jobsOf('typo');
    expect(history.map((job) => [job.status, job.missedCount])).toEqual([
      ['pending', null],
      ['missed', 4],
    ]);
    expect(history[1]).toMatchObject({
      error: { code: 'max_instances', message: expect.stringMatching(/^4 fire time\(s\) not run/) },
      missedUntil: new Date('2026-03-01T10:00:05.000Z'),
    });
  });

  it('wait pending, naming no handler, when the handlers of their task do not match their target', async () => {
    const ran: string[] = [];
    scheduler = createScheduler({
      store,
      clock,
      nodeId: 'test-node',
      noHandlerWaitMs: 10_000,
      executor: createLocalExecutor(
        { render: (_args, ctx) => ran.push(ctx.jobId) },
        { handlerId: 'test-node', zone: 'admin', tags: ['local'] },
      ),
    });
    await scheduler.start();
    for (const [id, tags] of [
      ['gpu', ['gpu']],
      ['here', ['local']],
    ] as const) {
      await scheduler.createSchedule({
        ...defaults(),
        id,
        task: 'render',
        target: { tags: [...tags] },
        trigger: { type: 'interval', seconds: 3600 },
      });
    }
    const gpu = await scheduler.runNow('gpu');
    const here = await scheduler.runNow('here');
    await eventually(async () =>
      expect(await store.getJob(here.id)).toMatchObject({ status: 'succeeded', handlerId: 'test-node' }),
    );
    await eventually(() => expect(clock.pendingTimers()).toBe(1));
    expect(await store.getJob(gpu.id)).toMatchObject({ status: 'pending', handlerId: null, attempt: 0 });
    clock.advance(10_000);
    await eventually(async () =>
      expect(await store.getJob(gpu.id)).toMatchObject({
        status: 'failed',
        handlerId: null,
        error: { code: 'no_handler' },
      }),
    );
    expect(ran).toEqual([here.id]);
  });
  it('do not hold back jobs behind them that a free handler matches', async () => {
    // One free local slot, and a busy `gpu` handler: the oldest pending jobs of the task wait for
    // the gpu handler, and a newer one for the local handler must still run at once.
    const ran: string[] = [];
    let releaseGpu = () => {};
    const local = createLocalExecutor(
      { render: (_args, ctx) => ran.push(ctx.jobId) },
      { concurrency: 1, handlerId: 'test-node', zone: 'admin', tags: ['local'] },
    );
    const gpu = createLocalExecutor(
      {
        render: (_args, ctx) => {
          ran.push(ctx.jobId);
          return new Promise<void>((resolve) => (releaseGpu = resolve));
        },
      },
      { concurrency: 1, handlerId: 'gpu-worker', zone: 'regional', tags: ['gpu'] },
    );
    scheduler = createScheduler({
      store,
      clock,
      nodeId: 'test-node',
      executor: combineExecutors([local, gpu]),
    });
    await scheduler.start();
    for (const [id, tags] of [
      ['gpu', ['gpu']],
      ['here', ['local']],
    ] as const) {
      await scheduler.createSchedule({
        ...defaults(),
        id,
        task: 'render',
        maxInstances: 10,
        target: { tags: [...tags] },
        trigger: { type: 'interval', seconds: 3600 },
      });
    }
    const holding = await scheduler.runNow('gpu');
    await eventually(() => expect(ran).toEqual([holding.id]));
    const waiting: string[] = [];
    for (let i = 0; i < 3; i++) {
      clock.advance(1); // a job per instant and schedule
      waiting.push((await scheduler.runNow('gpu')).id);
    }
    clock.advance(1);
    const here = await scheduler.runNow('here');
    await eventually(
      async () =>
        expect(await store.getJob(here.id)).toMatchObject({ status: 'succeeded', handlerId: 'test-node' }),
      { timeoutMs: 2_000 },
    );
    for (const id of waiting)
      expect(await store.getJob(id)).toMatchObject({ status: 'pending', handlerId: null, attempt: 0 });
    releaseGpu();
    await eventually(() => expect(ran).toContain(waiting[0]));
    releaseGpu();
  });
});

describe('restart after downtime', () => {
  it('applies misfire grace and coalesce to the fire times missed while down', async () => {
    const first = start({ tick: () => null });
    await first.start();
    await first.createSchedule({
      ...defaults(),
      id: 'minutely',
      task: 'tick',
      misfireGraceSeconds: 90,
      trigger: { type: 'cron', expression: '0 * * * * *', timezone: 'UTC' },
    });
    await first.stop();
    scheduler = undefined;
    // Down for 10 minutes and 30 seconds: fires 10:01 ... 10:10 were due; 10:09 and 10:10 are within 90 s.
    clock.set(new Date('2026-03-01T10:10:30.000Z'));
    const second = start({ tick: () => null });
    await second.start();
    await eventually(async () =>
      expect((await jobsOf('minutely')).map((j) => j.status)).toEqual(['missed', 'succeeded']),
    );
    const [missed, run] = await jobsOf('minutely');
    expect(run?.scheduledAt.toISOString()).toBe('2026-03-01T10:10:00.000Z');
    expect(missed).toMatchObject({ missedCount: 9, error: { code: 'misfire' } });
    expect(missed?.scheduledAt.toISOString()).toBe('2026-03-01T10:01:00.000Z');
    expect(missed?.missedUntil?.toISOString()).toBe('2026-03-01T10:09:00.000Z');
    expect((await second.getSchedule('minutely')).nextRunAt?.toISOString()).toBe('2026-03-01T10:11:00.000Z');
  });

  it('gives jobs interrupted by a crash back to the queue and runs them', async () => {
    const s = start({ noop: () => 'again' });
    const retry = { maxAttempts: 2, backoffMs: 0, backoffFactor: 1 };
    await s.createSchedule({
      ...defaults(),
      id: 'c',
      task: 'noop',
      retry,
      trigger: { type: 'interval', seconds: 3600 },
    });
    const manual = await s.runNow('c');
    // What a crash leaves behind: the job claimed by this node and never finished.
    await store.claimJobs({ now: clock.now(), limit: 1, claimedBy: 'test-node' });
    expect((await store.getJob(manual.id))?.status).toBe('running');
    await s.start();
    await eventually(async () =>
      expect(await store.getJob(manual.id)).toMatchObject({
        status: 'succeeded',
        attempt: 2,
        result: 'again',
      }),
    );
  });
});

describe('the real loop', () => {
  it('fires an every-second cron for real seconds, once per second', async () => {
    const realStore = store;
    const runs: number[] = [];
    scheduler = createScheduler({
      store: realStore,
      nodeId: 'real',
      executor: createLocalExecutor({ tick: (_a, ctx) => runs.push(ctx.scheduledAt.getTime()) }),
    });
    await scheduler.start();
    await scheduler.createSchedule({
      ...defaults(),
      id: 'real',
      task: 'tick',
      trigger: { type: 'cron', expression: '* * * * * *', timezone: 'UTC' },
    });
    await eventually(() => expect(runs.length).toBeGreaterThanOrEqual(3), { timeoutMs: 6000 });
    await scheduler.stop();
    expect(new Set(runs).size).toBe(runs.length);
    for (const time of runs) expect(time % 1000).toBe(0);
    const jobs = await jobsOf('real');
    expect(jobs.filter((job) => job.status === 'succeeded').length).toBe(runs.length);
    const stats = await scheduler.stats();
    expect(stats.lateness.count).toBe(runs.length);
    expect(stats.lateness.buckets.at(-1)?.count).toBe(runs.length);
  });
});

function defaults() {
  return {
    args: {},
    metadata: {},
    paused: false,
    misfireGraceSeconds: 60,
    coalesce: 'latest' as const,
    maxInstances: 1,
    retry: { maxAttempts: 1, backoffMs: 1000, backoffFactor: 2 },
    timeoutSeconds: 300,
    target: { tags: [] },
  };
}
