import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHandlerLink, type HandlerLink } from '@schedulezero/handler-link';
import { createScheduleBodySchema, type Job } from '@schedulezero/protocol';
import { createScheduler, type MasterStore, openStore, type Scheduler } from '@schedulezero/scheduler-core';
import { eventually } from '@schedulezero/scheduler-core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  killAll,
  spawnWorker,
  type WorkerProcess,
  workerConfig,
  writeConfig,
} from './support/worker-process.ts';

/** A handler's record as the store lists it; undefined when it has none. */
async function storedHandler(store: MasterStore, id: string) {
  return (await store.listHandlers()).find((handler) => handler.id === id);
}

/**
 * The acceptance path with the real run loop: the scheduler claims a job, the handler link sends it
 * to a worker process, the worker is SIGKILLed mid-job, and the loop's retry policy decides.
 */
describe('the run loop over the handler link, with worker processes', () => {
  let dir: string;
  let store: MasterStore;
  let link: HandlerLink;
  let scheduler: Scheduler;
  let workers: Record<string, WorkerProcess>;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sz-handler-loop-'));
    store = await openStore('sqlite::memory:');
    link = createHandlerLink({
      bind: 'tcp://127.0.0.1:*',
      store,
      heartbeatIntervalMs: 100,
      missedHeartbeats: 3,
    });
    await link.start();
    // A short maxSleepMs: a wake-up that arrives while the loop is finishing a pass can be missed
    // (run-loop.ts, `wake` vs the pass's `finally`); here that costs a second, not a 30 s stall.
    scheduler = createScheduler({ store, executor: link, nodeId: 'master-test', maxSleepMs: 1_000 });
    await scheduler.start();
    const endpoint = link.endpoint() ?? '';
    workers = {};
    for (const id of ['w1', 'w2']) {
      workers[id] = spawnWorker(writeConfig(dir, id, workerConfig(endpoint, id)), id);
    }
    await eventually(() => expect(link.capacity().get('hold')).toBe(4), { timeoutMs: 10_000 });
  });

  afterEach(async () => {
    // Tolerant of a beforeEach that failed half-way: close what exists.
    await scheduler?.stop({ graceMs: 0 });
    await killAll();
    await link?.close();
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function runNowAndKill(maxAttempts: number): Promise<{ job: Job; victim: string }> {
    const schedule = await scheduler.createSchedule(
      createScheduleBodySchema.parse({
        task: 'hold',
        // A far trigger: the test runs the schedule by hand.
        trigger: { type: 'date', at: '2099-01-01T00:00:00Z' },
        args: { ms: 60_000, retryMs: 50 },
        retry: { maxAttempts, backoffMs: 10, backoffFactor: 1 },
        timeoutSeconds: 120,
      }),
    );
    const job = await scheduler.runNow(schedule.id);
    const started = `started ${job.id}`;
    const all = Object.values(workers);
    await Promise.race(all.map((worker) => worker.waitFor(started)));
    const victim = all.find((worker) => worker.output().includes(started));
    if (!victim) throw new Error('no worker started the job');
    victim.child.kill('SIGKILL');
    return { job, victim: victim.id };
  }

  it('a job whose handler is SIGKILLed is retried on the other handler', async () => {
    const { job, victim } = await runNowAndKill(2);
    const survivor = victim === 'w1' ? 'w2' : 'w1';
    await eventually(
      async () => {
        expect(summary(await scheduler.getJob(job.id))).toEqual({
          status: 'succeeded',
          attempt: 2,
          handlerId: survivor,
          result: { handlerId: survivor, attempt: 2, pid: workers[survivor]?.child.pid },
          error: null,
        });
      },
      { timeoutMs: 10_000 },
    );
    await eventually(async () => expect((await storedHandler(store, victim))?.status).toBe('offline'));
  });

  it('with no attempt left the loss is recorded as a failure', async () => {
    const { job, victim } = await runNowAndKill(1);
    await eventually(
      async () => {
        expect(summary(await scheduler.getJob(job.id))).toMatchObject({
          status: 'failed',
          attempt: 1,
          handlerId: victim,
          error: { code: 'handler_lost' },
        });
      },
      { timeoutMs: 10_000 },
    );
  });
});

/** The fields a failure message should show in full. */
function summary(job: Job) {
  const { status, attempt, handlerId, result, error } = job;
  return { status, attempt, handlerId, result, error };
}
