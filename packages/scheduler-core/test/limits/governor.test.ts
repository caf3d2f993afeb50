import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CreateScheduleBody } from '@schedulezero/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLocalExecutor } from '../../src/execution/local-executor.ts';
import { createGovernedExecutor } from '../../src/limits/governor.ts';
import { createScheduler } from '../../src/scheduler.ts';
import type { Scheduler } from '../../src/scheduler-types.ts';
import { openStore } from '../../src/store/index.ts';
import type { MasterStore } from '../../src/store/roles.ts';
import { createFakeClock, eventually, type FakeClock } from '../../src/testing/index.ts';

const spec: CreateScheduleBody = {
  task: 'work',
  trigger: { type: 'interval', seconds: 3600 },
  args: {},
  metadata: {},
  paused: false,
  misfireGraceSeconds: 60,
  coalesce: 'latest',
  maxInstances: 10_000,
  retry: { maxAttempts: 1, backoffMs: 0, backoffFactor: 1 },
  timeoutSeconds: 3600,
  target: { tags: [] },
};

describe('governed executor', () => {
  it('offers no more than the tightest of the global and per-task limits', () => {
    const clock = createFakeClock('2026-05-01T00:00:00Z');
    const inner = createLocalExecutor({ a: () => null, b: () => null }, { concurrency: 100 });
    const governed = createGovernedExecutor(
      inner,
      { concurrency: 20, perTask: { a: { perSecond: 5 } } },
      clock,
    );
    expect(Object.fromEntries(governed.capacity())).toEqual({ a: 5, b: 20 });
    expect(governed.stats().throttled).toEqual(
      expect.arrayContaining([
        { task: 'a', limit: 'rate', count: 1 },
        { task: 'b', limit: 'concurrency', count: 1 },
      ]),
    );
    governed.close();
  });
});

describe('limits under a burst', () => {
  let dir: string;
  let store: MasterStore;
  let clock: FakeClock;
  let scheduler: Scheduler | undefined;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sz-governor-'));
    store = await openStore(`sqlite:${join(dir, 'governor.db')}`);
    clock = createFakeClock('2026-05-01T00:00:00Z');
  });

  afterEach(async () => {
    await scheduler?.stop({ graceMs: 0 });
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('never runs more at once than the concurrency limit', async () => {
    const releases: Array<() => void> = [];
    let running = 0;
    let peak = 0;
    const work = () =>
      new Promise<void>((resolve) => {
        running += 1;
        peak = Math.max(peak, running);
        releases.push(() => {
          running -= 1;
          resolve();
        });
      });
    scheduler = createScheduler({
      store,
      clock,
      nodeId: 'n',
      executor: createLocalExecutor({ work }, { concurrency: 50 }),
      governors: { perTask: { work: { concurrency: 3 } } },
    });
    await scheduler.start();
    await scheduler.createSchedule({ ...spec, id: 'burst' });
    for (let i = 0; i < 20; i++) await scheduler.runNow('burst').then(() => clock.advance(1));
    let finished = 0;
    while (finished < 20) {
      await eventually(() => expect(releases.length).toBeGreaterThan(0));
      expect(running).toBeLessThanOrEqual(3);
      releases.shift()?.();
      finished += 1;
    }
    await eventually(async () => expect((await store.countJobsByStatus()).succeeded).toBe(20));
    expect(peak).toBe(3);
    const throttled = (await scheduler.stats()).throttled.find(
      (t) => t.task === 'work' && t.limit === 'concurrency',
    );
    expect(throttled?.count).toBeGreaterThan(0);
  });

  it('starts no more than burst + rate × elapsed jobs', async () => {
    let started = 0;
    scheduler = createScheduler({
      store,
      clock,
      nodeId: 'n',
      executor: createLocalExecutor({
        work: () => {
          started += 1;
        },
      }),
      governors: { rate: { perSecond: 10, burst: 5 } },
    });
    await scheduler.start();
    await scheduler.createSchedule({ ...spec, id: 'burst' });
    for (let i = 0; i < 40; i++) await scheduler.runNow('burst').then(() => clock.advance(1)); // 40 ms: well under one token
    const succeeded = async () => (await store.countJobsByStatus()).succeeded;
    await eventually(async () => expect(await succeeded()).toBe(5));
    clock.advance(1000); // 10 tokens' worth, but the bucket holds 5 at most
    await eventually(async () => expect(await succeeded()).toBe(10));
    clock.advance(200); // 2 tokens
    await eventually(async () => expect(await succeeded()).toBe(12));
    clock.advance(60_000);
    await eventually(async () => expect(await succeeded()).toBe(17));
    expect(started).toBe(17);
    expect((await store.countJobsByStatus()).pending).toBe(23);
  });

  it('refuses run-now beyond the queue limit with rate_limited', async () => {
    scheduler = createScheduler({ store, clock, nodeId: 'n', queueLimit: 3 });
    await scheduler.start();
    await scheduler.createSchedule({ ...spec, id: 'q' });
    for (let i = 0; i < 3; i++) await scheduler.runNow('q').then(() => clock.advance(1));
    await expect(scheduler.runNow('q')).rejects.toMatchObject({ code: 'rate_limited' });
    expect((await store.countJobsByStatus()).pending).toBe(3);
  });
});
