import type { Job } from '@schedulezero/protocol';
import { type HandlerStore, type MasterStore, openStore } from '@schedulezero/scheduler-core';
import { eventually } from '@schedulezero/scheduler-core/testing';
import { createHandlerLink } from '../src/master/handler-link.ts';
import type { HandlerLink, HandlerLinkOptions } from '../src/master/link-types.ts';
import { createLinkWorker } from '../src/worker/link-worker.ts';
import type { LinkWorker, LinkWorkerOptions } from '../src/worker/worker-types.ts';

/** Things a test opened; `closeAll()` in `afterEach` closes them in reverse order. */
const open: Array<() => Promise<unknown>> = [];

export function track(close: () => Promise<unknown>): void {
  open.push(close);
}

export async function closeAll(): Promise<void> {
  for (const close of open.splice(0).reverse()) await close();
}

const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
let timersBefore = 0;

/** For `beforeEach`: what is running before the test. */
export function countTimers(): void {
  timersBefore = timers();
}

/**
 * For `afterEach`, after `closeAll()`: a link or worker that leaves a timer behind (heartbeat,
 * sweep, registration retry, deadline) fails the test. ZeroMQ sockets hold no libuv handles, so
 * their closing is covered by the links and workers awaiting their reader loops.
 */
export async function expectNoLeakedTimers(): Promise<void> {
  await eventually(
    () => {
      if (timers() > timersBefore) throw new Error(`${timers() - timersBefore} timer(s) left running`);
    },
    { timeoutMs: 2_000 },
  );
}

export async function openTestStore(): Promise<MasterStore> {
  const store = await openStore('sqlite::memory:');
  track(() => store.close());
  return store;
}

/**
 * Short heartbeats so that loss is detected within a second; ten missed beats, not fewer, so that a
 * busy machine stalling the event loop for a few hundred milliseconds is not taken for a lost handler.
 */
export const FAST = { heartbeatIntervalMs: 50, missedHeartbeats: 10 } as const;

export async function startLink(
  store: HandlerStore,
  options: Partial<HandlerLinkOptions> = {},
): Promise<{ link: HandlerLink; endpoint: string }> {
  const link = createHandlerLink({ bind: 'tcp://127.0.0.1:*', store, ...FAST, ...options });
  await link.start();
  track(() => link.close());
  const endpoint = link.endpoint();
  if (!endpoint) throw new Error('no endpoint');
  return { link, endpoint };
}

export async function startWorker(
  endpoint: string,
  options: Partial<LinkWorkerOptions> & Pick<LinkWorkerOptions, 'handlerId' | 'functions'>,
): Promise<LinkWorker> {
  const worker = createLinkWorker({
    endpoint,
    capacity: 4,
    zone: 'default',
    registerBackoff: { initialMs: 20, maxMs: 200 },
    ...options,
  });
  await worker.start();
  track(() => worker.close());
  await worker.registered();
  return worker;
}

let jobCounter = 0;

export function makeJob(overrides: Partial<Job> = {}): Job {
  jobCounter += 1;
  const now = new Date();
  return {
    id: `job-${process.pid}-${jobCounter}`,
    scheduleId: 'schedule-1',
    task: 'echo',
    args: {},
    source: 'manual',
    scheduledAt: now,
    status: 'running',
    attempt: 1,
    maxAttempts: 1,
    retry: { maxAttempts: 1, backoffMs: 0, backoffFactor: 1 },
    timeoutSeconds: 30,
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

/** A promise with its resolver, for functions that a test releases. */
export function gate<T = void>(): { promise: Promise<T>; open: (value: T) => void } {
  let open!: (value: T) => void;
  const promise = new Promise<T>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

export { eventually };

/** A handler's record as the store lists it; undefined when it has none. */
export async function storedHandler(store: Pick<HandlerStore, 'listHandlers'>, id: string) {
  return (await store.listHandlers()).find((handler) => handler.id === id);
}
