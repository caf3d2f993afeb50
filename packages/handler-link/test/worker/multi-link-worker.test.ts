import type { HandlerLink } from '@schedulezero/handler-link';
import type { MasterStore } from '@schedulezero/scheduler-core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RemoteHandlerContext } from '../../src/index.ts';
import { createHandlerLink } from '../../src/master/handler-link.ts';
import { createLinkWorker } from '../../src/worker/link-worker.ts';
import { createMultiLinkWorker } from '../../src/worker/multi-link-worker.ts';
import { createSlotPool } from '../../src/worker/slot-pool.ts';
import {
  closeAll,
  countTimers,
  eventually,
  expectNoLeakedTimers,
  FAST,
  gate,
  makeJob,
  openTestStore,
  startLink,
  track,
} from '../helpers.ts';

/**
 * A worker linked to two masters: two real handler links (each with its own store, as two masters
 * of a cluster have their own registries) and real sockets.
 */

const FAST_REGISTER = { registerBackoff: { initialMs: 20, maxMs: 200 } } as const;

/** The capacity a master was told by handler `id`, or undefined while it has no live registration. */
function told(link: HandlerLink, id: string): number | undefined {
  const record = link.handlers().find((handler) => handler.id === id);
  return record && record.status === 'healthy' ? record.capacity : undefined;
}

describe('a worker linked to several masters', () => {
  let storeA: MasterStore;
  let storeB: MasterStore;
  beforeEach(async () => {
    storeA = await openTestStore();
    storeB = await openTestStore();
  });
  beforeEach(countTimers);
  afterEach(async () => {
    await closeAll();
    await expectNoLeakedTimers();
  });

  it('registers with each master under one id, telling each its share of the capacity', async () => {
    const a = await startLink(storeA);
    const b = await startLink(storeB);
    const release = gate();
    const started: string[] = [];
    const worker = createMultiLinkWorker({
      endpoints: [a.endpoint, b.endpoint],
      handlerId: 'w-cluster',
      zone: 'default',
      capacity: 3,
      ...FAST_REGISTER,
      functions: {
        block: async (_args, ctx: RemoteHandlerContext) => {
          started.push(ctx.jobId);
          await release.promise;
          return 'done';
        },
      },
    });
    await worker.start();
    track(() => worker.close());
    await eventually(() => {
      expect([told(a.link, 'w-cluster'), told(b.link, 'w-cluster')]).toEqual([2, 1]);
    });
    expect(worker.stats()).toMatchObject({ state: 'registered', registrations: 2 });

    // Each master fills its share; together they use the whole capacity and no more.
    const signal = new AbortController().signal;
    const runs = [
      a.link.run(makeJob({ task: 'block' }), signal),
      a.link.run(makeJob({ task: 'block' }), signal),
      b.link.run(makeJob({ task: 'block' }), signal),
    ];
    await eventually(() => expect(started).toHaveLength(3));
    expect(worker.stats().running).toBe(3);
    expect(a.link.capacity().get('block') ?? 0).toBe(0);
    expect(b.link.capacity().get('block') ?? 0).toBe(0);
    release.open();
    const outcomes = await Promise.all(runs);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(worker.stats()).toMatchObject({ running: 0, completed: 3, rejected: 0 });
    expect(worker.stats().links.map((link) => [link.endpoint, link.completed])).toEqual([
      [a.endpoint, 2],
      [b.endpoint, 1],
    ]);

    // Drain leaves every master: each marks the handler offline at once.
    await worker.drain();
    await eventually(() => {
      expect(a.link.handlers()[0]?.status).toBe('offline');
      expect(b.link.handlers()[0]?.status).toBe('offline');
    });
    expect(worker.stats().state).toBe('closed');
  });

  it('gives a lost master’s share to the others and re-links when it is back on its address', async () => {
    const a = await startLink(storeA);
    const b = await startLink(storeB);
    const worker = createMultiLinkWorker({
      endpoints: [a.endpoint, b.endpoint],
      handlerId: 'w-follow',
      zone: 'default',
      capacity: 2,
      ...FAST_REGISTER,
      functions: { echo: (args) => args },
    });
    await worker.start();
    track(() => worker.close());
    await eventually(() => expect([told(a.link, 'w-follow'), told(b.link, 'w-follow')]).toEqual([1, 1]));

    await b.link.close();
    // Its heartbeats to B go unanswered: B's share goes to A, which keeps serving.
    await eventually(() => expect(told(a.link, 'w-follow')).toBe(2), { timeoutMs: 5_000 });
    const signal = new AbortController().signal;
    expect(await a.link.run(makeJob({ args: { n: 1 } }), signal)).toMatchObject({ status: 'succeeded' });

    // B comes back on the same address with an empty registry: the worker registers there again.
    const restarted = createHandlerLink({ bind: b.endpoint, store: storeB, ...FAST });
    await restarted.start();
    track(() => restarted.close());
    await eventually(() => expect([told(a.link, 'w-follow'), told(restarted, 'w-follow')]).toEqual([1, 1]), {
      timeoutMs: 10_000,
    });
    expect(await restarted.run(makeJob({ args: { n: 2 } }), signal)).toMatchObject({
      status: 'succeeded',
      result: { n: 2 },
    });
  });

  it('refuses with busy a job beyond the shared slots, whichever master sends it', async () => {
    const a = await startLink(storeA);
    const b = await startLink(storeB, { noHandlerWaitMs: 200 });
    // Two links that each tell their master one slot, over a pool of one: the moment when shares
    // change, a master can send a job the worker has no slot for.
    const slots = createSlotPool(1);
    const release = gate();
    const functions = { block: () => release.promise.then(() => 'done') };
    for (const [endpoint, handlerId] of [
      [a.endpoint, 'w-pool'],
      [b.endpoint, 'w-pool'],
    ] as const) {
      const link = createLinkWorker({ endpoint, handlerId, zone: 'default', capacity: 1, slots, functions });
      await link.start();
      track(() => link.close());
      await link.registered();
    }
    const signal = new AbortController().signal;
    const first = a.link.run(makeJob({ task: 'block' }), signal);
    await eventually(() => expect(slots.free()).toBe(0));
    const second = await b.link.run(makeJob({ task: 'block' }), signal);
    // B's only handler refused it: B found no other one to send it to.
    expect(b.link.stats().jobs.rejected).toBe(1);
    expect(second).toMatchObject({ status: 'failed', error: { code: 'no_handler' } });
    release.open();
    expect(await first).toMatchObject({ status: 'succeeded' });
    expect(slots.free()).toBe(1);
  });
});
