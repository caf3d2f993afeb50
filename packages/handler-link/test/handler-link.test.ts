import type { MasterStore } from '@schedulezero/scheduler-core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RemoteHandlerContext } from '../src/index.ts';
import {
  closeAll,
  countTimers,
  eventually,
  expectNoLeakedTimers,
  gate,
  makeJob,
  openTestStore,
  startLink,
  startWorker,
  storedHandler,
} from './helpers.ts';

const whoami = (_args: unknown, ctx: RemoteHandlerContext) => ctx.handlerId;

describe('handler link (real sockets, in-process workers)', () => {
  let store: MasterStore;
  beforeEach(async () => {
    store = await openTestStore();
  });
  beforeEach(countTimers);
  afterEach(async () => {
    await closeAll();
    await expectNoLeakedTimers();
  });

  it('registers a worker, persists it, runs a job on it and records its counters', async () => {
    const { link, endpoint } = await startLink(store);
    await startWorker(endpoint, {
      handlerId: 'w-1',
      zone: 'eu',
      tags: ['gpu'],
      capacity: 3,
      functions: {
        echo: (args, ctx) => ({ args, jobId: ctx.jobId, attempt: ctx.attempt, key: ctx.idempotencyKey }),
      },
    });
    expect(link.capacity().get('echo')).toBe(3);
    const job = makeJob({ args: { n: 1 } });
    const outcome = await link.run(job, new AbortController().signal);
    expect(outcome).toEqual({
      status: 'succeeded',
      handlerId: 'w-1',
      result: { args: { n: 1 }, jobId: job.id, attempt: 1, key: job.id },
    });
    await eventually(async () => {
      expect(await storedHandler(store, 'w-1')).toMatchObject({
        methods: ['echo'],
        zone: 'eu',
        tags: ['gpu'],
        capacity: 3,
        status: 'healthy',
        successCount: 1,
        failureCount: 0,
        activeJobs: 0,
      });
    });
    expect(link.stats()).toMatchObject({ handlers: { healthy: 1 }, jobs: { dispatched: 1, succeeded: 1 } });
  });

  it('spreads concurrent jobs over handlers: least loaded, round-robin among equals', async () => {
    const { link, endpoint } = await startLink(store);
    const release = gate();
    const work = async (_args: unknown, ctx: RemoteHandlerContext) => {
      await release.promise;
      return ctx.handlerId;
    };
    await startWorker(endpoint, { handlerId: 'a', capacity: 3, functions: { work } });
    await startWorker(endpoint, { handlerId: 'b', capacity: 3, functions: { work } });
    expect(link.capacity().get('work')).toBe(6);
    const runs = Array.from({ length: 6 }, () =>
      link.run(makeJob({ task: 'work' }), new AbortController().signal),
    );
    await eventually(() => expect(link.capacity().get('work')).toBe(0));
    release.open();
    const ids = (await Promise.all(runs)).map((outcome) => outcome.status === 'succeeded' && outcome.result);
    expect(ids.filter((id) => id === 'a')).toHaveLength(3);
    expect(ids.filter((id) => id === 'b')).toHaveLength(3);
  });

  it('holds each handler to its concurrency limit, offering only what the limits leave', async () => {
    const { link, endpoint } = await startLink(store, {
      limits: { handler: { concurrency: 2 }, perHandler: { a: { concurrency: 1 } } },
    });
    const release = gate();
    const running = new Map<string, number>();
    const peak = new Map<string, number>();
    const work = async (_args: unknown, ctx: RemoteHandlerContext) => {
      const id = ctx.handlerId;
      running.set(id, (running.get(id) ?? 0) + 1);
      peak.set(id, Math.max(peak.get(id) ?? 0, running.get(id) ?? 0));
      await release.promise;
      running.set(id, (running.get(id) ?? 0) - 1);
      return id;
    };
    await startWorker(endpoint, { handlerId: 'a', capacity: 4, functions: { work } });
    await startWorker(endpoint, { handlerId: 'b', capacity: 4, functions: { work } });
    expect(link.capacity().get('work')).toBe(3);
    const runs = Array.from({ length: 6 }, () =>
      link.run(makeJob({ task: 'work' }), new AbortController().signal),
    );
    await eventually(() => expect([running.get('a'), running.get('b')]).toEqual([1, 2]));
    expect(link.stats().jobs).toMatchObject({ inflight: 3, waiting: 3 });
    expect(link.capacity().get('work')).toBe(0);
    release.open();
    const outcomes = await Promise.all(runs);
    expect(outcomes.every((outcome) => outcome.status === 'succeeded')).toBe(true);
    expect(Object.fromEntries(peak)).toEqual({ a: 1, b: 2 });
    expect(link.stats().throttled).toEqual(
      expect.arrayContaining([
        { handlerId: 'a', limit: 'concurrency', count: expect.any(Number) },
        { handlerId: 'b', limit: 'concurrency', count: expect.any(Number) },
      ]),
    );
  });

  it('starts no more on a handler than its burst while its bucket is empty; others take the rest', async () => {
    // 0.001 tokens a second: no token comes back within the test, so the counts are exact.
    const { link, endpoint } = await startLink(store, {
      limits: { perHandler: { a: { perSecond: 0.001, burst: 2 } } },
    });
    await startWorker(endpoint, { handlerId: 'a', capacity: 4, functions: { whoami } });
    expect(link.capacity().get('whoami')).toBe(2);
    const first = await Promise.all(
      Array.from({ length: 2 }, () => link.run(makeJob({ task: 'whoami' }), new AbortController().signal)),
    );
    expect(first.map((outcome) => outcome.status === 'succeeded' && outcome.result)).toEqual(['a', 'a']);
    expect(link.capacity().get('whoami')).toBe(0);
    const rest = Array.from({ length: 3 }, () =>
      link.run(makeJob({ task: 'whoami' }), new AbortController().signal),
    );
    await eventually(() => expect(link.stats().jobs.waiting).toBe(3));
    expect(link.stats().throttled).toContainEqual({
      handlerId: 'a',
      limit: 'rate',
      count: expect.any(Number),
    });
    // A handler with room appears: the waiting jobs go to it, none to the one out of tokens.
    await startWorker(endpoint, { handlerId: 'b', capacity: 4, functions: { whoami } });
    const later = await Promise.all(rest);
    expect(later.map((outcome) => outcome.status === 'succeeded' && outcome.result)).toEqual(['b', 'b', 'b']);
    expect(link.stats().jobs.dispatched).toBe(5);
  });

  it('keeps an affinity key on one handler while it is healthy, then moves it', async () => {
    const { link, endpoint } = await startLink(store);
    const workers = {
      a: await startWorker(endpoint, { handlerId: 'a', functions: { whoami } }),
      b: await startWorker(endpoint, { handlerId: 'b', functions: { whoami } }),
    };
    const runKey = async (affinityKey: string) => {
      const outcome = await link.run(
        makeJob({ task: 'whoami', target: { tags: [], affinityKey } }),
        new AbortController().signal,
      );
      return outcome.status === 'succeeded' ? (outcome.result as 'a' | 'b') : outcome.status;
    };
    const first = await runKey('customer-7');
    for (let i = 0; i < 5; i += 1) expect(await runKey('customer-7')).toBe(first);
    if (first !== 'a' && first !== 'b') throw new Error(`unexpected ${first}`);
    await workers[first].close();
    await eventually(() => expect(link.handlers().find((h) => h.id === first)?.status).toBe('offline'));
    const other = first === 'a' ? 'b' : 'a';
    expect(await runKey('customer-7')).toBe(other);
  });

  it('sends a cancel to the handler when the run is aborted; the function sees its AbortSignal', async () => {
    const { link, endpoint } = await startLink(store);
    const started = gate();
    const seen = gate<unknown>();
    await startWorker(endpoint, {
      handlerId: 'w',
      capacity: 1,
      functions: {
        wait: (_args: unknown, ctx: RemoteHandlerContext) =>
          new Promise((_, reject) => {
            started.open();
            ctx.signal.addEventListener('abort', () => {
              seen.open(ctx.signal.reason);
              reject(new Error('stopped'));
            });
          }),
      },
    });
    const controller = new AbortController();
    const run = link.run(makeJob({ task: 'wait' }), controller.signal);
    await started.promise;
    controller.abort('timeout');
    expect(await run).toMatchObject({ status: 'timed_out', error: { code: 'timeout' }, handlerId: 'w' });
    expect(await seen.promise).toBe('timeout');
    expect(link.stats().jobs.cancelsSent).toBe(1);
    // The slot stays taken until the handler confirms, then frees.
    await eventually(() => expect(link.capacity().get('wait')).toBe(1));
    await eventually(async () => expect((await storedHandler(store, 'w'))?.failureCount).toBe(1));
  });

  it('aborts the function at the deadline on the worker and reports timed_out', async () => {
    const { link, endpoint } = await startLink(store);
    await startWorker(endpoint, {
      handlerId: 'w',
      functions: {
        wait: (_args: unknown, ctx: RemoteHandlerContext) =>
          new Promise((_, reject) =>
            ctx.signal.addEventListener('abort', () => reject(new Error('deadline'))),
          ),
      },
    });
    const outcome = await link.run(
      makeJob({ task: 'wait', timeoutSeconds: 0.2 }),
      new AbortController().signal,
    );
    expect(outcome).toMatchObject({ status: 'timed_out', error: { code: 'timeout' }, handlerId: 'w' });
  });

  it('reports a thrown error as handler_error and a value that cannot travel as result_unserializable', async () => {
    const { link, endpoint } = await startLink(store);
    await startWorker(endpoint, {
      handlerId: 'w',
      functions: {
        boom: () => {
          throw new TypeError('bad input');
        },
        big: () => 10n,
      },
    });
    const signal = new AbortController().signal;
    expect(await link.run(makeJob({ task: 'boom' }), signal)).toEqual({
      status: 'failed',
      handlerId: 'w',
      error: { code: 'handler_error', message: 'TypeError: bad input' },
    });
    expect(await link.run(makeJob({ task: 'big' }), signal)).toMatchObject({
      status: 'failed',
      error: { code: 'result_unserializable' },
    });
  });

  it('without an eligible handler: capacity lacks the task and run() fails no_handler after the bounded wait', async () => {
    const { link, endpoint } = await startLink(store, { noHandlerWaitMs: 150 });
    const signal = new AbortController().signal;
    expect(link.capacity().has('echo')).toBe(false);
    expect(await link.run(makeJob(), signal)).toMatchObject({
      status: 'failed',
      error: { code: 'no_handler' },
    });

    await startWorker(endpoint, {
      handlerId: 'eu-1',
      zone: 'eu',
      tags: ['ssd'],
      functions: { echo: () => 'ok' },
    });
    expect(await link.run(makeJob({ target: { zone: 'us', tags: [] } }), signal)).toMatchObject({
      status: 'failed',
      error: { code: 'no_handler', message: expect.stringContaining('zone us') },
    });
    expect(await link.run(makeJob({ target: { tags: ['gpu'] } }), signal)).toMatchObject({
      error: { code: 'no_handler' },
    });
    expect(await link.run(makeJob({ target: { zone: 'eu', tags: ['ssd'] } }), signal)).toMatchObject({
      status: 'succeeded',
    });
    expect(link.stats().jobs.noHandler).toBe(3);
  });

  it('a waiting job goes to a handler that registers within the wait', async () => {
    const { link, endpoint } = await startLink(store, { noHandlerWaitMs: 10_000 });
    const run = link.run(makeJob(), new AbortController().signal);
    await eventually(() => expect(link.stats().jobs.waiting).toBe(1));
    await startWorker(endpoint, { handlerId: 'late', functions: { echo: () => 'ok' } });
    expect(await run).toMatchObject({ status: 'succeeded', handlerId: 'late' });
  });

  it('a handler that goes silent is marked offline and its job ends as handler_lost', async () => {
    const { link, endpoint } = await startLink(store);
    const started = gate();
    const worker = await startWorker(endpoint, {
      handlerId: 'gone',
      functions: {
        hang: () => {
          started.open();
          return new Promise(() => {});
        },
      },
    });
    const run = link.run(makeJob({ task: 'hang' }), new AbortController().signal);
    await started.promise;
    // close() aborts the job but sends nothing more: to the master the worker just vanished.
    await worker.close();
    expect(await run).toMatchObject({ status: 'failed', error: { code: 'handler_lost' }, handlerId: 'gone' });
    await eventually(async () => expect((await storedHandler(store, 'gone'))?.status).toBe('offline'));
    expect(link.capacity().has('hang')).toBe(false);
    expect(link.stats().jobs.handlerLost).toBe(1);
  });

  it('opens the breaker of a failing handler (no work while open) and closes it after a good trial', async () => {
    const { link, endpoint } = await startLink(store, {
      // A cooldown long enough that the runs below finish inside it on a busy machine.
      breaker: { window: 4, minSamples: 2, failureRate: 0.5, cooldownMs: 1_500 },
    });
    let aFails = true;
    await startWorker(endpoint, {
      handlerId: 'a',
      functions: {
        work: () => {
          if (aFails) throw new Error('a is broken');
          return 'a';
        },
      },
    });
    await startWorker(endpoint, { handlerId: 'b', functions: { work: () => 'b' } });
    const run = () => link.run(makeJob({ task: 'work' }), new AbortController().signal);
    // Round-robin: a, b, a -> a has failed twice and opens.
    const first = await Promise.all([run(), run(), run()].map((p) => p.then((o) => o.handlerId)));
    expect(first.sort()).toEqual(['a', 'a', 'b']);
    expect(link.handlers().find((h) => h.id === 'a')?.status).toBe('unhealthy');
    expect(link.capacity().get('work')).toBe(4);
    for (let i = 0; i < 3; i += 1) expect((await run()).handlerId).toBe('b');
    await eventually(async () => expect((await storedHandler(store, 'a'))?.status).toBe('unhealthy'));

    // After the cooldown a gets one trial; it fails and the breaker opens again.
    await eventually(() => expect(link.capacity().get('work')).toBe(5));
    expect(await run()).toMatchObject({ handlerId: 'a', status: 'failed' });
    expect(link.capacity().get('work')).toBe(4);

    aFails = false;
    await eventually(() => expect(link.capacity().get('work')).toBe(5));
    expect(await run()).toMatchObject({ handlerId: 'a', status: 'succeeded' });
    expect(link.handlers().find((h) => h.id === 'a')?.status).toBe('healthy');
    expect(link.capacity().get('work')).toBe(8);
    await eventually(async () => expect((await storedHandler(store, 'a'))?.status).toBe('healthy'));
  });

  it('a worker registers again with a restarted master on the same endpoint; its counters carry over', async () => {
    const first = await startLink(store);
    const worker = await startWorker(first.endpoint, { handlerId: 'w', functions: { echo: () => 'ok' } });
    expect(await first.link.run(makeJob(), new AbortController().signal)).toMatchObject({
      status: 'succeeded',
    });
    await first.link.close();
    expect((await storedHandler(store, 'w'))?.status).toBe('offline');
    const second = await startLink(store, { bind: first.endpoint });
    await eventually(() => expect(second.link.capacity().get('echo')).toBe(4), { timeoutMs: 5_000 });
    // The link counts the registration when it arrives; the worker when the answer does.
    await eventually(() => expect(worker.stats()).toMatchObject({ state: 'registered', registrations: 2 }));
    expect(await second.link.run(makeJob(), new AbortController().signal)).toMatchObject({
      status: 'succeeded',
    });
    await eventually(async () =>
      expect(await storedHandler(store, 'w')).toMatchObject({ status: 'healthy', successCount: 2 }),
    );
  });

  it('drain: the running job finishes, its result arrives, new work goes elsewhere, the handler leaves', async () => {
    const { link, endpoint } = await startLink(store, { noHandlerWaitMs: 5_000 });
    const release = gate();
    const started = gate();
    const worker = await startWorker(endpoint, {
      handlerId: 'w',
      functions: {
        slow: async () => {
          started.open();
          await release.promise;
          return 'done';
        },
      },
    });
    const running = link.run(makeJob({ task: 'slow' }), new AbortController().signal);
    await started.promise;
    const drained = worker.drain();
    await eventually(() => expect(link.handlers()[0]?.status).toBe('draining'));
    expect(link.capacity().has('slow')).toBe(false);
    const next = link.run(makeJob({ task: 'slow' }), new AbortController().signal);
    release.open();
    expect(await running).toMatchObject({ status: 'succeeded', result: 'done', handlerId: 'w' });
    await drained;
    await eventually(async () => expect((await storedHandler(store, 'w'))?.status).toBe('offline'));
    await startWorker(endpoint, { handlerId: 'w2', functions: { slow: () => 'elsewhere' } });
    expect(await next).toMatchObject({ status: 'succeeded', handlerId: 'w2' });
  });

  it('master asks a handler to drain', async () => {
    const { link, endpoint } = await startLink(store);
    const requested = gate<string>();
    await startWorker(endpoint, {
      handlerId: 'w',
      functions: { echo: () => 1 },
      onDrainRequested: requested.open,
    });
    expect(await link.drainHandler('w', 'maintenance')).toBe(true);
    expect(await requested.promise).toBe('maintenance');
    expect(link.capacity().has('echo')).toBe(false);
    expect(await link.drainHandler('nobody')).toBe(false);
  });

  it('close() ends open runs as interrupted and marks handlers offline', async () => {
    const { link, endpoint } = await startLink(store);
    const started = gate();
    await startWorker(endpoint, {
      handlerId: 'w',
      functions: {
        hang: () => {
          started.open();
          return new Promise(() => {});
        },
      },
    });
    const run = link.run(makeJob({ task: 'hang' }), new AbortController().signal);
    await started.promise;
    await link.close();
    expect(await run).toMatchObject({ status: 'failed', error: { code: 'interrupted' } });
    expect((await storedHandler(store, 'w'))?.status).toBe('offline');
    expect(await link.run(makeJob(), new AbortController().signal)).toMatchObject({
      error: { code: 'interrupted' },
    });
  });
});
