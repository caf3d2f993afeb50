import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  FINAL_JOB_STATUSES,
  type HandlerRecord,
  type Job,
  replicationTopic,
  type Schedule,
} from '@schedulezero/protocol';
import {
  type ChangeFeed,
  type ChangeProjector,
  type FirePlanner,
  type Logger,
  type MasterStore,
  manualJobDraft,
  openStore,
  type ReadStore,
  type ReplicaSink,
  type ScheduleDraft,
  type StoreOptions,
} from '@schedulezero/scheduler-core';
import { expect } from 'vitest';
import { createPublisher } from '../src/master/publisher.ts';
import { createSubscriber } from '../src/replica/subscriber.ts';
import type { Publisher, PublisherOptions, Subscriber, SubscriberOptions } from '../src/types.ts';

/**
 * Zone "admin" receives every change whole; zone "public" receives schedules only, without their
 * args and metadata (what a DMZ policy would leave). The payload is the entity as the master has it.
 */
export const testProjector: ChangeProjector = (change) => {
  const topic = replicationTopic(change.kind, change.op);
  const entity =
    change.kind === 'schedule' ? change.schedule : change.kind === 'job' ? change.job : change.handler;
  const records = [{ zone: 'admin', topic, payload: entity }];
  if (change.kind === 'schedule') {
    const { args: _args, metadata: _metadata, ...visible } = change.schedule;
    records.push({ zone: 'public', topic, payload: visible as Schedule });
  }
  return records;
};

/** Logs warnings and errors to the console when SZ_TEST_LOG is set; silent otherwise. */
export const testLogger: Logger = (() => {
  const enabled = process.env.SZ_TEST_LOG !== undefined;
  const write = (level: string) => (fields: object, message?: string) => {
    if (enabled) console.log(level, message, JSON.stringify(fields));
  };
  return { debug: () => {}, info: write('info'), warn: write('warn'), error: write('error') };
})();

/** Everything a test opened, closed in reverse order after it. */
export class Resources {
  readonly #closers: Array<() => unknown> = [];

  add<T>(resource: T, close: (resource: T) => unknown): T {
    this.#closers.push(() => close(resource));
    return resource;
  }

  tempDir(): string {
    const dir = mkdtempSync(join(tmpdir(), 'sz-replication-'));
    this.#closers.push(() => rmSync(dir, { recursive: true, force: true }));
    return dir;
  }

  async closeAll(): Promise<void> {
    for (const close of this.#closers.splice(0).reverse()) await close();
  }
}

export interface Master {
  store: MasterStore;
  publisher: Publisher;
  /** Resolved endpoints of a zone (ports picked by the OS on first start). */
  endpoints(zone: string): { publish: string; sync: string };
}

/** A master store with the test projector and a publisher that is told of every commit. */
export async function startMaster(
  resources: Resources,
  database: string | ((options: StoreOptions) => Promise<MasterStore>),
  options: Partial<PublisherOptions> & { endpoints?: Record<string, { publish: string; sync: string }> } = {},
): Promise<Master> {
  let publisher: Publisher | undefined;
  const open = typeof database === 'string' ? (opts: StoreOptions) => openStore(database, opts) : database;
  const store = resources.add(
    await open({ projector: testProjector, onCommit: () => publisher?.notify() }),
    (opened) => opened.close(),
  );
  const zones = ['admin', 'public'].map((name) => ({
    name,
    publish: options.endpoints?.[name]?.publish ?? 'tcp://127.0.0.1:*',
    sync: options.endpoints?.[name]?.sync ?? 'tcp://127.0.0.1:*',
  }));
  const started = await startPublisher(resources, {
    store,
    zones,
    heartbeatMs: 100,
    pollMs: 50,
    logger: testLogger,
    ...options,
  });
  publisher = started;
  return {
    store,
    publisher: started,
    endpoints(zone) {
      const stats = started.stats().zones.find((entry) => entry.zone === zone);
      if (stats === undefined) throw new Error(`no zone ${zone}`);
      return { publish: stats.publishEndpoint, sync: stats.syncEndpoint };
    },
  };
}

/** Starts a publisher; a port the previous master held may take a moment to be free again. */
async function startPublisher(resources: Resources, options: PublisherOptions): Promise<Publisher> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const publisher = resources.add(createPublisher(options), (started) => started.close());
    try {
      await publisher.start();
      return publisher;
    } catch (error) {
      if (!String(error).includes('in use') || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

export async function startReplica(
  resources: Resources,
  master: Pick<Master, 'endpoints'>,
  store: ReplicaSink,
  options: Partial<SubscriberOptions> = {},
): Promise<Subscriber> {
  const zone = options.zone ?? 'admin';
  const subscriber = resources.add(
    createSubscriber({
      store,
      zone,
      ...master.endpoints(zone),
      bufferLimit: 1000,
      silenceMs: 600,
      requestTimeoutMs: 2_000,
      logger: testLogger,
      ...options,
    }),
    (opened) => opened.close(),
  );
  await subscriber.start();
  return subscriber;
}

export function scheduleDraft(id: string, overrides: Partial<ScheduleDraft> = {}): ScheduleDraft {
  return {
    id,
    task: 'send_email',
    trigger: { type: 'interval', seconds: 60 },
    args: { to: `${id}@example.com`, n: [1, 2] },
    metadata: { owner: 'ops', secret: 'not for the dmz' },
    paused: false,
    misfireGraceSeconds: 60,
    coalesce: 'latest',
    maxInstances: 1000,
    retry: { maxAttempts: 3, backoffMs: 1000, backoffFactor: 2 },
    timeoutSeconds: 30.5,
    target: { zone: 'eu', tags: ['fast'], affinityKey: 'k1' },
    nextRunAt: new Date(Date.UTC(2030, 0, 1)),
    ...overrides,
  };
}

const BASE = Date.UTC(2026, 2, 1);

/** Records `k` fire times before `at` as missed: one acquisition, k final jobs, in one transaction. */
function missedFires(k: number, at: Date): FirePlanner {
  return (schedule) => ({
    jobs: Array.from({ length: k }, (_, index) => ({
      id: `${schedule.id}-m${index}`,
      scheduleId: schedule.id,
      task: schedule.task,
      args: schedule.args,
      source: 'schedule' as const,
      scheduledAt: new Date(at.getTime() - (k - index) * 1000),
      status: 'missed' as const,
      maxAttempts: 1,
      retry: schedule.retry,
      timeoutSeconds: schedule.timeoutSeconds,
      target: schedule.target,
      notBefore: at,
      error: { code: 'misfire', message: `late by ${k - index} s` },
      missedCount: 1,
      missedUntil: null,
    })),
    nextRunAt: null,
  });
}

/**
 * Writes exactly `count` admin changes through the master's store: schedules created, updated
 * and deleted, jobs run to success or failure, bursts of missed fire times, handlers registered,
 * updated and gone offline. Deterministic per `tag`, so that two runs write distinct ids.
 */
export async function writeChanges(
  store: MasterStore,
  count: number,
  tag = 'w',
  exact = true,
): Promise<void> {
  const start = (await store.changeHead('admin')).seq;
  let written = 0;
  const step = async (rows: number, write: () => Promise<unknown>) => {
    if (written + rows > count) return;
    await write();
    written += rows;
  };
  for (let cycle = 0; written < count; cycle += 1) {
    // A master's writes come from I/O; a tight loop of SQLite calls would starve every socket.
    await new Promise((resolve) => setImmediate(resolve));
    const id = `${tag}-${cycle}`;
    const at = new Date(BASE + cycle * 60_000);
    const worker = handler(`h-${cycle % 40}`, at, cycle);
    await step(1, () => store.createSchedule(scheduleDraft(`${id}-a`), at));
    await step(1, () =>
      store.updateSchedule(scheduleDraft(`${id}-a`, { paused: true, metadata: { cycle } }), at),
    );
    await step(1, () => store.upsertHandler(worker, cycle < 40 ? 'registered' : 'updated'));
    if (cycle % 4 === 0) await step(1, () => runJob(store, `${id}-a`, at, cycle));
    await step(1, () => store.createSchedule(scheduleDraft(`${id}-b`, { nextRunAt: at }), at));
    const burst = Math.min(15, count - written - 1);
    if (burst >= 0) await step(1 + burst, () => store.acquireDueSchedules(at, 1, missedFires(burst, at)));
    await step(1, () => store.deleteSchedule(`${id}-b`));
    await step(1, () => store.upsertHandler({ ...worker, status: 'offline' }, 'offline'));
    await step(1, () =>
      store.updateSchedule(scheduleDraft(`${id}-a`, { task: 'report', args: [cycle] }), at),
    );
  }
  // Another writer on the same database (exact = false) adds its own, and may fire our bursts.
  const head = (await store.changeHead('admin')).seq;
  if (exact && head !== start + count) throw new Error(`wrote ${head - start} changes, meant ${count}`);
}

/** A run-now job claimed and finished: one change, when it is final. */
async function runJob(store: MasterStore, scheduleId: string, at: Date, cycle: number): Promise<void> {
  const job = await store.createManualJob(scheduleId, (current) =>
    manualJobDraft(current, at, `${scheduleId}-job`),
  );
  if (!job.ok) throw new Error(`run-now ${scheduleId}: ${job.reason}`);
  await store.claimJobs({ now: at, limit: 1, claimedBy: 'worker-1' });
  await store.finishJobs([
    {
      jobId: job.value.id,
      attempt: 1,
      finishedAt: new Date(at.getTime() + 250),
      outcome: cycle % 8 === 0 ? { status: 'succeeded', result: { cycle } } : failed(cycle),
    },
  ]);
}

function failed(step: number) {
  return { status: 'failed' as const, error: { code: 'handler_error', message: `step ${step}` } };
}

function handler(id: string, at: Date, step: number): HandlerRecord {
  return {
    id,
    methods: ['send_email', 'report'],
    zone: 'eu',
    tags: ['fast'],
    capacity: 8,
    status: 'healthy',
    lastSeenAt: at,
    activeJobs: step % 3,
    successCount: step,
    failureCount: step % 7,
    avgDurationMs: step % 2 === 0 ? null : step / 3,
    registeredAt: new Date(BASE),
  };
}

/** Every row a replica of `kinds` should hold, read through the store's own API. */
export async function readState(store: ReadStore) {
  const schedules: Schedule[] = [];
  const jobs: Job[] = [];
  let cursor: string | null = null;
  do {
    const page = await store.listSchedules({ limit: 500, cursor: cursor ?? undefined });
    schedules.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor !== null);
  do {
    const page = await store.listJobs({ limit: 500, cursor: cursor ?? undefined });
    jobs.push(...page.items.filter((job) => FINAL_JOB_STATUSES.includes(job.status)));
    cursor = page.nextCursor;
  } while (cursor !== null);
  return { schedules, jobs, handlers: await store.listHandlers() };
}

/** The replica holds exactly the master's schedules, final jobs and handlers, field by field. */
export async function expectSameState(master: ReadStore, replica: ReadStore): Promise<void> {
  const [expected, actual] = await Promise.all([readState(master), readState(replica)]);
  expect(actual.schedules.length).toBe(expected.schedules.length);
  expect(actual.jobs.length).toBe(expected.jobs.length);
  expect(actual.handlers.length).toBe(expected.handlers.length);
  expect(actual).toEqual(expected);
}

/** Waits until the replica's applied seq reaches the master's head for `zone`. */
export async function caughtUp(
  subscriber: Subscriber,
  master: ChangeFeed,
  zone = 'admin',
  timeoutMs = 20_000,
) {
  const head = (await master.changeHead(zone)).seq;
  return subscriber.waitFor((status) => status.appliedSeq >= head && status.state === 'live', timeoutMs);
}
