import type { AddressInfo } from 'node:net';
import type { createAdaptorServer } from '@hono/node-server';
import { createHandlerLink, type HandlerLink } from '@schedulezero/handler-link';
import { createScheduleBodySchema, type Trigger } from '@schedulezero/protocol';
import {
  createLocalExecutor,
  createScheduler,
  type Executor,
  type MasterStore,
  openStore,
  type Scheduler,
} from '@schedulezero/scheduler-core';
import { nowMs, roleParams, serveRole } from '../lib/role.ts';

/**
 * A ScheduleZero master: store + scheduler + handler link (remote workers over ZeroMQ) or a local
 * no-op executor, and optionally the HTTP API. Wired with the package APIs, as apps/master does.
 */
interface Params {
  storeUrl: string;
  /** Handler link endpoint; without it jobs run on a local no-op executor in this process. */
  bind?: string;
  httpPort?: number;
  localConcurrency?: number;
}

const params = roleParams<Params>();
const startedAt = performance.now();
let store: MasterStore | undefined;
let scheduler: Scheduler | undefined;
let link: HandlerLink | undefined;
let server: ReturnType<typeof createAdaptorServer> | undefined;
let finished = 0;
let lastFinishedAt = 0;
const finishWaiters: Array<{ n: number; resolve: () => void }> = [];
/** Lateness of jobs the local executor started, with their fire time. */
const localSamples: Array<[number, number]> = [];

async function init() {
  store = await openStore(params.storeUrl);
  const recorded = (count: number) => {
    finished += count;
    lastFinishedAt = nowMs();
    for (const waiter of finishWaiters.splice(0)) {
      if (finished >= waiter.n) waiter.resolve();
      else finishWaiters.push(waiter);
    }
  };
  // The run loop records every result with finishJobs, in batches.
  const finishJobs = store.finishJobs.bind(store);
  store.finishJobs = async (finishes) => {
    const outcomes = await finishJobs(finishes);
    recorded(outcomes.length);
    return outcomes;
  };
  let executor: Executor;
  if (params.bind) {
    link = createHandlerLink({ bind: params.bind, store });
    await link.start();
    executor = link;
  } else {
    executor = createLocalExecutor(
      {
        noop: (_args, context) => {
          localSamples.push([context.scheduledAt.getTime(), nowMs() - context.scheduledAt.getTime()]);
          return null;
        },
      },
      { concurrency: params.localConcurrency ?? 50 },
    );
  }
  scheduler = createScheduler({ store, executor, nodeId: 'bench-master' });
  await scheduler.start();
  // Loaded only when asked for: the HTTP layer is an app concern and may be mid-move in a checkout.
  if (params.httpPort !== undefined)
    server = await (await import('../lib/sz-http.ts')).serveApi(scheduler, params.httpPort);
  const readyMs = performance.now() - startedAt;
  const active = scheduler;

  /** Through `createSchedules`, 1,000 a call (one transaction each), as the peers insert in bulk. */
  async function createMany(triggers: Trigger[], batch = 1_000): Promise<number> {
    const first = nowMs();
    for (let i = 0; i < triggers.length; i += batch) {
      await active.createSchedules(
        triggers
          .slice(i, i + batch)
          .map((trigger) =>
            createScheduleBodySchema.parse({ task: 'noop', trigger, misfireGraceSeconds: 3600 }),
          ),
      );
    }
    return first;
  }

  return {
    startup: () => ({
      readyMs,
      rss: process.memoryUsage().rss,
      port: (server?.address() as AddressInfo | undefined)?.port,
      endpoint: link?.endpoint(),
    }),
    handlers: async (n: unknown) => {
      const deadline = Date.now() + 30_000;
      while ((link?.handlers().filter((h) => h.status === 'healthy').length ?? 0) < Number(n)) {
        if (Date.now() > deadline) throw new Error('handlers did not register');
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    /** `n` one-shot schedules due now; returns when the first was enqueued. */
    enqueueNow: async (n: unknown) => {
      const at = new Date().toISOString();
      return createMany(Array.from({ length: Number(n) }, () => ({ type: 'date', at })));
    },
    createDates: async (dues: unknown) =>
      createMany((dues as number[]).map((due) => ({ type: 'date', at: new Date(due).toISOString() }))),
    createCrons: async (data: unknown) => {
      const { n, expression } = data as { n: number; expression: string };
      return createMany(Array.from({ length: n }, () => ({ type: 'cron', expression, timezone: 'UTC' })));
    },
    waitFinished: (data: unknown) => {
      const { n } = data as { n: number };
      return new Promise<number>((resolve) => {
        if (finished >= n) resolve(lastFinishedAt);
        else finishWaiters.push({ n, resolve: () => resolve(lastFinishedAt) });
      });
    },
    rss: () => process.memoryUsage().rss,
    /** CPU time of this process so far (µs): per-job cost independent of other load on the machine. */
    cpuUsage: () => process.cpuUsage(),
    /** `count` list calls of 100 schedules through the scheduler API, serialised as the HTTP layer would. */
    listLatency: async (count: unknown) => {
      const latencies: number[] = [];
      for (let i = 0; i < Number(count); i++) {
        const t = performance.now();
        JSON.stringify(await active.listSchedules({ limit: 100 }));
        latencies.push(performance.now() - t);
      }
      return latencies;
    },
    localSamples: () => localSamples.splice(0),
  };
}

serveRole(init, async () => {
  server?.close();
  await scheduler?.stop({ graceMs: 1_000 });
  await link?.close();
  await store?.close();
});
