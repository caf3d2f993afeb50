import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLocalExecutor, type HandlerFunction } from '../src/execution/local-executor.ts';
import { createScheduler } from '../src/scheduler.ts';
import type { Scheduler } from '../src/scheduler-types.ts';
import { openStore } from '../src/store/index.ts';
import type { MasterStore } from '../src/store/roles.ts';
import { createFakeClock, eventually, type FakeClock } from '../src/testing/index.ts';

let dir: string;
let store: MasterStore;
let clock: FakeClock;
let scheduler: Scheduler;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sz-control-'));
  store = await openStore(`sqlite:${join(dir, 'control.db')}`);
  clock = createFakeClock('2026-03-01T10:00:00.000Z');
});

afterEach(async () => {
  await scheduler.stop({ graceMs: 0 });
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function start(handlers: Record<string, HandlerFunction>, concurrency = 1): Promise<Scheduler> {
  scheduler = createScheduler({
    store,
    clock,
    nodeId: 'node-1',
    executor: createLocalExecutor(handlers, { concurrency, handlerId: 'node-1' }),
  });
  await scheduler.start();
  await scheduler.createSchedule({
    id: 's',
    task: 'hold',
    trigger: { type: 'interval', seconds: 3600 },
    args: { n: 1 },
    metadata: {},
    paused: false,
    misfireGraceSeconds: 60,
    coalesce: 'latest',
    maxInstances: 10,
    retry: { maxAttempts: 3, backoffMs: 1000, backoffFactor: 1 },
    timeoutSeconds: 300,
    target: { tags: [] },
  });
  return scheduler;
}

describe('cancelJob and rerunJob', () => {
  it('cancels a running job through its AbortSignal, without a retry, and a pending one before it runs', async () => {
    const aborted: unknown[] = [];
    const started: string[] = [];
    const s = await start({
      hold: (_args, ctx) =>
        new Promise((_resolve, reject) => {
          started.push(ctx.jobId);
          ctx.signal.addEventListener('abort', () => {
            aborted.push(ctx.signal.reason);
            reject(new Error('stopped'));
          });
        }),
    });
    const running = await s.runNow('s');
    clock.advance(1); // a job per instant and schedule: the unique fire-time key
    const waiting = await s.runNow('s');
    await eventually(() => expect(started).toEqual([running.id]));
    // One slot: the second job waits.
    expect(await s.getJob(waiting.id)).toMatchObject({ status: 'pending', handlerId: null });

    expect(await s.cancelJob(waiting.id)).toMatchObject({
      status: 'cancelled',
      handlerId: null,
      error: { code: 'cancelled' },
    });
    expect(await s.cancelJob(running.id)).toMatchObject({
      status: 'cancelled',
      attempt: 1,
      handlerId: 'node-1',
      error: { code: 'cancelled' },
    });
    expect(aborted).toEqual(['cancelled']);
    // No retry although attempts remain, and the cancelled pending job never ran.
    clock.advance(10_000);
    await eventually(() => expect(clock.pendingTimers()).toBe(1));
    expect(started).toEqual([running.id]);
    expect(await s.getJob(running.id)).toMatchObject({ status: 'cancelled', attempt: 1 });

    await expect(s.cancelJob(running.id)).rejects.toMatchObject({ code: 'job_finished' });
    await expect(s.cancelJob('missing')).rejects.toMatchObject({ code: 'not_found' });
  });

  it('re-runs a finished job as a new job of the same task and args, and refuses an unfinished one', async () => {
    const seen: unknown[] = [];
    let release: () => void = () => {};
    const s = await start({
      hold: (args) => {
        seen.push(args);
        return new Promise<string>((resolve) => (release = () => resolve('done')));
      },
    });
    const first = await s.runNow('s');
    await eventually(() => expect(seen).toHaveLength(1));
    await expect(s.rerunJob(first.id)).rejects.toMatchObject({ code: 'job_not_finished' });
    release();
    await eventually(async () => expect((await s.getJob(first.id)).status).toBe('succeeded'));

    clock.advance(1);
    const again = await s.rerunJob(first.id);
    expect(again).toMatchObject({
      scheduleId: 's',
      task: 'hold',
      args: { n: 1 },
      source: 'manual',
      status: 'pending',
      attempt: 0,
      maxAttempts: 3,
    });
    expect(again.id).not.toBe(first.id);
    await eventually(() => expect(seen).toHaveLength(2));
    release();
    await eventually(async () => expect(await s.getJob(again.id)).toMatchObject({ status: 'succeeded' }));
    expect(await s.getJob(first.id)).toMatchObject({ status: 'succeeded' });
    await expect(s.rerunJob('missing')).rejects.toMatchObject({ code: 'not_found' });
  });
});
