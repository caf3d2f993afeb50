import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createScheduleBodySchema } from '@schedulezero/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLocalExecutor } from '../../src/execution/local-executor.ts';
import { createScheduler } from '../../src/scheduler.ts';
import type { Scheduler } from '../../src/scheduler-types.ts';
import { openStore } from '../../src/store/index.ts';
import type { MasterStore } from '../../src/store/roles.ts';
import { createFakeClock, eventually, type FakeClock } from '../../src/testing/index.ts';

/** In a cluster the loop runs the once-per-cluster duties only while it leads. */

let dir: string;
let store: MasterStore;
let clock: FakeClock;
let scheduler: Scheduler | undefined;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sz-duties-'));
  store = await openStore(`sqlite:${join(dir, 'duties.db')}`);
  clock = createFakeClock('2026-03-01T10:00:00.000Z');
});
afterEach(async () => {
  await scheduler?.stop({ graceMs: 0 });
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the no_handler sweep', () => {
  it('runs on the leader only', async () => {
    let leading = false;
    scheduler = createScheduler({
      store,
      clock,
      nodeId: 'follower',
      noHandlerWaitMs: 10_000,
      executor: createLocalExecutor({ known: () => 'ran' }),
      leader: () => leading,
    });
    await scheduler.start();
    await scheduler.createSchedule(
      createScheduleBodySchema.parse({
        id: 'orphan',
        task: 'nobody_has_this',
        trigger: { type: 'interval', seconds: 3600 },
      }),
    );
    const orphan = await scheduler.runNow('orphan');
    clock.advance(31_000); // past the wait and the loop's 30 s safety wake-up
    await eventually(() => expect(clock.pendingTimers()).toBe(1));
    expect((await store.getJob(orphan.id))?.status).toBe('pending');

    leading = true;
    clock.advance(31_000);
    await eventually(async () =>
      expect(await store.getJob(orphan.id)).toMatchObject({
        status: 'failed',
        error: { code: 'no_handler' },
      }),
    );
  });
});
