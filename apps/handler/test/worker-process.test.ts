import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHandlerLink, type HandlerLink } from '@schedulezero/handler-link';
import type { Job } from '@schedulezero/protocol';
import { type MasterStore, openStore } from '@schedulezero/scheduler-core';
import { eventually } from '@schedulezero/scheduler-core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { killAll, spawnWorker, workerConfig, writeConfig } from './support/worker-process.ts';

/** A handler's record as the store lists it; undefined when it has none. */
async function storedHandler(store: MasterStore, id: string) {
  return (await store.listHandlers()).find((handler) => handler.id === id);
}

/** Heartbeats every 100 ms, offline after 3 missed: loss shows within half a second. */
const LINK = { heartbeatIntervalMs: 100, missedHeartbeats: 3 } as const;

let dir: string;
let store: MasterStore;
const links: HandlerLink[] = [];

async function startLink(bind = 'tcp://127.0.0.1:*'): Promise<{ link: HandlerLink; endpoint: string }> {
  const link = createHandlerLink({ bind, store, ...LINK, noHandlerWaitMs: 10_000 });
  await link.start();
  links.push(link);
  return { link, endpoint: link.endpoint() ?? '' };
}

function startWorker(endpoint: string, id: string, worker: Record<string, unknown> = {}) {
  return spawnWorker(writeConfig(dir, id, workerConfig(endpoint, id, worker)), id);
}

async function untilHealthy(link: HandlerLink, ids: string[]): Promise<void> {
  await eventually(
    () => {
      const healthy = link
        .handlers()
        .filter((h) => h.status === 'healthy')
        .map((h) => h.id);
      expect(healthy.sort()).toEqual([...ids].sort());
    },
    { timeoutMs: 10_000 },
  );
}

let jobCounter = 0;
function job(task: string, args: unknown = {}, overrides: Partial<Job> = {}): Job {
  const now = new Date();
  jobCounter += 1;
  return {
    id: `p-${jobCounter}`,
    scheduleId: 's',
    task,
    args,
    source: 'manual',
    scheduledAt: now,
    status: 'running',
    attempt: 1,
    maxAttempts: 2,
    retry: { maxAttempts: 2, backoffMs: 0, backoffFactor: 1 },
    timeoutSeconds: 60,
    target: { tags: [] },
    notBefore: now,
    handlerId: 'master',
    startedAt: now,
    finishedAt: null,
    durationMs: null,
    result: null,
    error: null,
    missedCount: null,
    missedUntil: null,
    createdAt: now,
    updatedAt: now,
    ...overrides,
  };
}

const signal = () => new AbortController().signal;

describe('worker processes against a real handler link', () => {
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sz-handler-'));
    store = await openStore('sqlite::memory:');
  });
  afterEach(async () => {
    await killAll();
    for (const link of links.splice(0)) await link.close();
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('spreads jobs across two worker processes', async () => {
    const { link, endpoint } = await startLink();
    startWorker(endpoint, 'w1');
    startWorker(endpoint, 'w2');
    await untilHealthy(link, ['w1', 'w2']);
    expect(link.capacity().get('hold')).toBe(4);
    const outcomes = await Promise.all(
      Array.from({ length: 4 }, () => link.run(job('hold', { ms: 300 }), signal())),
    );
    const ran = outcomes.map((outcome) =>
      outcome.status === 'succeeded' ? outcome.handlerId : outcome.status,
    );
    expect(ran.sort()).toEqual(['w1', 'w1', 'w2', 'w2']);
    const pids = new Set(
      outcomes.map((outcome) =>
        outcome.status === 'succeeded' ? (outcome.result as { pid: number }).pid : 0,
      ),
    );
    expect(pids.size).toBe(2);
  });

  it('SIGKILL mid-job: handler_lost after missed heartbeats, offline in the store, the retry runs on the other; a restarted worker re-registers and gets work', async () => {
    const { link, endpoint } = await startLink();
    const workers = { w1: startWorker(endpoint, 'w1'), w2: startWorker(endpoint, 'w2') };
    await untilHealthy(link, ['w1', 'w2']);
    const first = job('hold', { ms: 60_000 });
    const run = link.run(first, signal());
    await Promise.race([
      workers.w1.waitFor(`started ${first.id}`),
      workers.w2.waitFor(`started ${first.id}`),
    ]);
    const victim = workers.w1.output().includes(`started ${first.id}`) ? 'w1' : 'w2';
    const survivor = victim === 'w1' ? 'w2' : 'w1';
    workers[victim].child.kill('SIGKILL');

    expect(await run).toMatchObject({ status: 'failed', error: { code: 'handler_lost' }, handlerId: victim });
    await eventually(async () => expect((await storedHandler(store, victim))?.status).toBe('offline'));
    expect(link.capacity().get('hold')).toBe(2);
    // The run loop's retry is a new attempt of the same job: it goes to the handler still there.
    const retry = await link.run({ ...first, attempt: 2, args: { ms: 10 } }, signal());
    expect(retry).toMatchObject({ status: 'succeeded', handlerId: survivor, result: { attempt: 2 } });

    startWorker(endpoint, victim);
    await untilHealthy(link, ['w1', 'w2']);
    const outcomes = await Promise.all(
      Array.from({ length: 4 }, () => link.run(job('hold', { ms: 200 }), signal())),
    );
    expect(outcomes.filter((outcome) => outcome.handlerId === victim)).toHaveLength(2);
    await eventually(async () => expect((await storedHandler(store, victim))?.status).toBe('healthy'));
  });

  it('SIGTERM drains: the running job finishes, its result arrives, no new work is taken, exit 0', async () => {
    const { link, endpoint } = await startLink();
    const worker = startWorker(endpoint, 'w1');
    await untilHealthy(link, ['w1']);
    const running = job('hold', { ms: 700 });
    const run = link.run(running, signal());
    await worker.waitFor(`started ${running.id}`);
    worker.child.kill('SIGTERM');
    await eventually(() => expect(link.capacity().has('hold')).toBe(false));
    const waiting = link.run(job('whoami'), signal());
    expect(await run).toMatchObject({ status: 'succeeded', handlerId: 'w1' });
    expect(await worker.exited).toEqual({ code: 0, signal: null });
    expect(worker.output()).toContain('drained; stopped');
    await eventually(async () => expect((await storedHandler(store, 'w1'))?.status).toBe('offline'));
    // The job sent while draining waited; a new worker takes it.
    startWorker(endpoint, 'w2');
    expect(await waiting).toMatchObject({ status: 'succeeded', handlerId: 'w2' });
  });

  it('a cancel from the master reaches the function as an aborted AbortSignal', async () => {
    const { link, endpoint } = await startLink();
    const worker = startWorker(endpoint, 'w1', { capacity: 1 });
    await untilHealthy(link, ['w1']);
    const target = job('waitForAbort');
    const controller = new AbortController();
    const run = link.run(target, controller.signal);
    await worker.waitFor(`started ${target.id}`);
    controller.abort('timeout');
    expect(await run).toMatchObject({ status: 'timed_out', handlerId: 'w1' });
    await worker.waitFor(`aborted ${target.id} timeout`);
    await eventually(() => expect(link.capacity().get('waitForAbort')).toBe(1));
  });

  it('the worker aborts a job at its deadline and reports it timed out', async () => {
    const { link, endpoint } = await startLink();
    const worker = startWorker(endpoint, 'w1');
    await untilHealthy(link, ['w1']);
    const target = job('waitForAbort', {}, { timeoutSeconds: 0.5 });
    expect(await link.run(target, signal())).toMatchObject({
      status: 'timed_out',
      error: { code: 'timeout' },
    });
    await worker.waitFor(`aborted ${target.id} timeout`);
  });

  it('re-registers with backoff when the master restarts', async () => {
    const first = await startLink();
    startWorker(first.endpoint, 'w1');
    await untilHealthy(first.link, ['w1']);
    await first.link.close();
    // libzmq releases a closed socket's TCP port in its I/O thread, a moment after close()
    // returns: bind the same endpoint again until that has happened.
    const second = await eventually(() => startLink(first.endpoint), { timeoutMs: 5_000, intervalMs: 50 });
    await untilHealthy(second.link, ['w1']);
    expect(await second.link.run(job('whoami'), signal())).toMatchObject({
      status: 'succeeded',
      handlerId: 'w1',
    });
  });
});
