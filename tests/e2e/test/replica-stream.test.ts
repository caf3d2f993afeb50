import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createScheduleBodySchema, decodeStreamMessage } from '@schedulezero/protocol';
import type { MasterStore, ReadScheduler, Scheduler } from '@schedulezero/scheduler-core';
import { createLocalExecutor, createReadOnlyScheduler, createScheduler } from '@schedulezero/scheduler-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { XPublisher, XSubscriber } from 'zeromq';
import { startInProcessMaster } from '../src/in-process-publisher.ts';
import { killLeftovers, type NodeProcess } from '../src/node-process.ts';
import {
  allRows,
  caughtUp,
  replication,
  sqliteUrl,
  startReplicaNode,
  waitUntil,
  zoneEndpoints,
} from '../src/replica-topology.ts';

/**
 * The stream's hard cases against a real replica process: a master store and publisher run in
 * this process so that the test can force a tiny send high-water mark, or put a lossy forwarder
 * between the publisher and the replica.
 */

let dir: string;
const cleanups: Array<() => Promise<unknown>> = [];
const replicas: NodeProcess[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sz-e2e-replica-stream-'));
});

afterEach(async () => {
  for (const replica of replicas.splice(0)) await replica.stop('SIGKILL');
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

afterAll(async () => {
  const leaked = await killLeftovers();
  rmSync(dir, { recursive: true, force: true });
  expect(leaked).toBe(0);
});

async function master(name: string, extra: { sendHighWaterMark?: number } = {}) {
  const endpoints = await zoneEndpoints();
  const started = await startInProcessMaster({
    database: sqliteUrl(dir, name),
    zone: 'admin',
    ...endpoints,
    ...extra,
  });
  cleanups.push(() => started.close());
  return { ...started, endpoints };
}

async function replica(name: string, endpoints: { publish: string; sync: string }) {
  const started = await startReplicaNode(dir, name, {
    database: sqliteUrl(dir, name),
    zone: 'admin',
    endpoints,
  });
  replicas.push(started.node);
  return started;
}

/** Every row of the master's store, as the API would serve it (dates as ISO strings). */
async function masterRows(reads: ReadScheduler) {
  const page = async <T extends { id: string }>(
    list: (cursor?: string) => Promise<{ items: T[]; nextCursor: string | null }>,
  ) => {
    const rows: T[] = [];
    let cursor: string | undefined;
    do {
      const result = await list(cursor);
      rows.push(...result.items);
      cursor = result.nextCursor ?? undefined;
    } while (cursor);
    return JSON.parse(JSON.stringify(rows.sort((a, b) => a.id.localeCompare(b.id))));
  };
  const handlers = (await reads.listHandlers()).sort((a, b) => a.id.localeCompare(b.id));
  return {
    schedules: await page((cursor) => reads.listSchedules({ limit: 500, cursor })),
    jobs: await page((cursor) => reads.listJobs({ limit: 500, cursor })),
    handlers: JSON.parse(JSON.stringify(handlers)),
  };
}

/** The zone's last committed seq (the publisher may not have sent it yet). */
async function committedHead(store: MasterStore): Promise<number> {
  return (await store.changeHead('admin')).seq;
}

/**
 * Finished jobs (the only ones the stream carries), by a scheduler with a local executor on the
 * master's store: `count` manual runs of schedules `${prefix}-0…`, one in four failing.
 */
async function runJobs(store: MasterStore, prefix: string, count: number): Promise<void> {
  const runner = createScheduler({
    store,
    nodeId: 'in-process-runner',
    executor: createLocalExecutor({
      whoami: (args) => {
        const { index } = args as { index: number };
        if (index % 4 === 0) throw new Error(`refused ${index}`);
        return { index };
      },
    }),
  });
  await runner.start();
  try {
    for (let index = 0; index < count; index += 1)
      if (index % 4 !== 3) await runner.runNow(`${prefix}-${index}`);
    await waitUntil('the jobs finished', async () => {
      const { items } = await runner.listJobs({ limit: 500 });
      return items.length === count - Math.floor(count / 4) && items.every((job) => job.finishedAt !== null);
    });
  } finally {
    await runner.stop();
  }
}

/** Handlers registered, updated and gone offline, as a master's registry writes them. */
async function writeHandlers(store: MasterStore, count: number): Promise<void> {
  for (let index = 0; index < count; index += 1) {
    const at = new Date(Date.UTC(2026, 0, 1, 0, index));
    const handler = {
      id: `worker-${index}`,
      methods: ['whoami'],
      zone: 'admin',
      tags: [`t${index % 3}`],
      capacity: 4,
      status: 'healthy' as const,
      lastSeenAt: at,
      activeJobs: 0,
      successCount: 0,
      failureCount: 0,
      avgDurationMs: null,
      registeredAt: at,
    };
    await store.upsertHandler(handler, 'registered');
    if (index % 2 === 0) await store.upsertHandler({ ...handler, activeJobs: 1, successCount: 3 }, 'updated');
    if (index % 5 === 0) await store.upsertHandler({ ...handler, status: 'offline' }, 'offline');
  }
}

async function writeChanges(
  scheduler: Scheduler,
  prefix: string,
  count: number,
  padding = '',
): Promise<void> {
  for (let index = 0; index < count; index += 1) {
    const id = `${prefix}-${index}`;
    if (index % 4 === 3) await scheduler.patchSchedule(`${prefix}-${index - 1}`, { paused: true });
    else
      await scheduler.createSchedule(
        createScheduleBodySchema.parse({
          id,
          task: 'whoami',
          trigger: { type: 'interval', seconds: 3600 },
          args: padding ? { index, padding } : { index },
        }),
      );
  }
}

describe('replica stream', () => {
  it('started after 10,000 changes of every kind, converges to exactly the master state', async () => {
    const m = await master('master-10k');
    await writeChanges(m.scheduler, 'bulk', 9_600);
    await runJobs(m.store, 'bulk', 80);
    await writeHandlers(m.store, 30);
    await writeChanges(m.scheduler, 'top', 10_000 - (await committedHead(m.store)));
    const head = await committedHead(m.store);
    expect(head).toBe(10_000);
    await waitUntil('published', async () => m.head() >= head);
    const { api } = await replica('replica-10k', m.endpoints);
    // Not ready while it loads 10,000 changes (a snapshot here: it starts empty), ready after.
    const loading = await api.call('GET', '/readyz');
    expect(loading.status).toBe(503);
    expect(loading.body.reason).toMatch(/^replication is (snapshotting|catching up)$/);
    await waitUntil('caught up', caughtUp(api, head), 90_000);
    expect((await api.call('GET', '/readyz')).status).toBe(200);
    const expected = await masterRows(createReadOnlyScheduler({ store: m.store }));
    // Each kind is there, so that the comparison below covers each.
    expect(expected.jobs).toHaveLength(60);
    expect(expected.jobs.filter((job: { status: string }) => job.status === 'failed')).toHaveLength(20);
    expect(expected.handlers).toHaveLength(30);
    expect(expected.handlers.filter((h: { status: string }) => h.status === 'offline')).toHaveLength(6);
    expect(await allRows(api)).toEqual(expected);
  }, 150_000);

  it('paused (SIGSTOP) behind a tiny send high-water mark while changes flow: converges after SIGCONT, the repair counted', async () => {
    const m = await master('master-hwm', { sendHighWaterMark: 2 });
    const { node, api } = await replica('replica-hwm', m.endpoints);
    const before = await waitUntil('caught up', caughtUp(api));
    const headBefore = await committedHead(m.store);
    node.child.kill('SIGSTOP');
    try {
      // 3,000 changes of ~24 KB: about 70 MB, more than loopback TCP can buffer (32 MB receive +
      // 4 MB send at most here), so the PUB's queue of 2 must drop while the replica is stopped.
      await writeChanges(m.scheduler, 'flow', 3_000, 'x'.repeat(24 * 1024));
    } finally {
      node.child.kill('SIGCONT');
    }
    const written = (await committedHead(m.store)) - headBefore;
    const status = await waitUntil('converged after SIGCONT', caughtUp(api, headBefore + written), 60_000);
    // The PUB really dropped changes: fewer reached the replica's socket than were written (the
    // ones still in the TCP buffers at SIGCONT are counted, whether applied or skipped)...
    const received = status.receivedChanges - before.receivedChanges;
    expect(received).toBeLessThan(written);
    // ...and catch-up pages brought at least every change that never came; each applied once.
    expect(status.appliedRows - before.appliedRows).toBe(written);
    expect(status.catchUpRows - before.catchUpRows).toBeGreaterThanOrEqual(written - received);
    // The repair shows in the gaps counter: a seq jump on the stream, or, when the watchdog wakes
    // first after SIGCONT and takes the pause for silence, the changes its catch-up found.
    expect(status.gaps).toBeGreaterThan(0);
    expect(await allRows(api)).toEqual(await masterRows(createReadOnlyScheduler({ store: m.store })));
  }, 120_000);

  it('tail loss: the last changes never arrive and nothing follows; the heartbeat makes the replica catch up', async () => {
    const m = await master('master-tail');
    // A forwarder between the publisher and the replica that loses what the test says.
    const xsub = new XSubscriber({ linger: 0 });
    const xpub = new XPublisher({ linger: 0 });
    cleanups.push(async () => {
      xsub.close();
      xpub.close();
    });
    xsub.connect(m.endpoints.publish);
    await xpub.bind('tcp://127.0.0.1:*');
    let dropChanges = false;
    let dropped = 0;
    void (async () => {
      for await (const [subscription] of xpub) if (subscription) await xsub.send(subscription);
    })().catch(() => {});
    void (async () => {
      for await (const frames of xsub) {
        const decoded = decodeStreamMessage(frames);
        if (dropChanges && decoded.ok && decoded.value.header.kind !== 'heartbeat') dropped += 1;
        else await xpub.send(frames);
      }
    })().catch(() => {});
    const { api } = await replica('replica-tail', {
      publish: xpub.lastEndpoint ?? '',
      sync: m.endpoints.sync,
    });
    await writeChanges(m.scheduler, 'early', 20);
    await waitUntil('caught up', caughtUp(api, m.head()));
    dropChanges = true;
    const before = m.head();
    await writeChanges(m.scheduler, 'tail', 5);
    const head = await waitUntil(
      'the tail is published (and lost)',
      async () => m.head() >= before + 5 && m.head(),
    );
    const status = await waitUntil('caught up through the heartbeat', caughtUp(api, head), 20_000);
    expect(dropped).toBeGreaterThanOrEqual(5);
    expect(status.gaps).toBeGreaterThan(0);
    expect(await allRows(api)).toEqual(await masterRows(createReadOnlyScheduler({ store: m.store })));
    expect((await replication(api)).appliedSeq).toBe(head);
  }, 60_000);
});
