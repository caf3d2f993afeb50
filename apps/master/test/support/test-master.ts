import type { OpenAPIHono } from '@hono/zod-openapi';
import { createLogger } from '@schedulezero/node-runtime';
import { createPublisher, createZoneProjector, type Publisher } from '@schedulezero/replication';
import {
  createLocalExecutor,
  createScheduler,
  type HandlerFunction,
  type MasterStore,
  openStore,
  type Scheduler,
} from '@schedulezero/scheduler-core';
import { createZonePolicy } from '@schedulezero/security-filter';
import { createMasterApp } from '../../src/app.ts';
import { masterConfigSchema } from '../../src/config.ts';
import { masterReplicationStatus } from '../../src/replication-status.ts';

export const TOKEN = 'test-token-0123456789abcdef';
/** The zone whose stream the test master publishes. */
export const ZONE = 'dmz';

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

/**
 * A real master stack (store with a zone's change log, replication publisher, scheduler, local
 * executor, app) with no HTTP server around it. The zone `dmz` publishes on plaintext loopback
 * ports the OS picks: nothing subscribes, but `/api/replication` reports a real stream.
 */
export interface TestMaster {
  app: OpenAPIHono;
  scheduler: Scheduler;
  store: MasterStore;
  publisher: Publisher;
  logs: LogLine[];
  /** Ends every `block` job waiting now. */
  releaseBlocked(): void;
  /** The ids of the `block` jobs whose AbortSignal fired, with its reason. */
  aborted: Array<{ jobId: string; reason: unknown }>;
  close(): Promise<void>;
}

export interface TestMasterOptions {
  databaseUrl: string;
  /** The `api` section as a config file would give it; validated by the real schema. */
  api?: Record<string, unknown>;
  accepting?: () => boolean;
  ping?: boolean;
}

export async function createTestMaster(options: TestMasterOptions): Promise<TestMaster> {
  const logs: LogLine[] = [];
  const logger = createLogger({
    level: 'debug',
    pretty: false,
    destination: { write: (line: string) => logs.push(JSON.parse(line) as LogLine) },
  });
  const config = masterConfigSchema.parse({ api: { tokens: [TOKEN], ...options.api } });
  const waiting = new Set<() => void>();
  const aborted: TestMaster['aborted'] = [];
  const handlers: Record<string, HandlerFunction> = {
    echo: (args) => ({ echoed: args }),
    fail: () => {
      throw new Error('failed on purpose');
    },
    // Runs until the test releases it (or the job is aborted): holds a slot for max_instances tests.
    block: (_args, context) =>
      new Promise<string>((resolve) => {
        const done = () => resolve('released');
        waiting.add(done);
        const onAbort = () => {
          aborted.push({ jobId: context.jobId, reason: context.signal.reason });
          done();
        };
        context.signal.addEventListener('abort', onAbort, { once: true });
      }),
  };
  // The store wakes the publisher after each commit, as on the master.
  let wake: (() => void) | undefined;
  const store = await openStore(options.databaseUrl, {
    projector: createZoneProjector(new Map([[ZONE, createZonePolicy('dmz')]])),
    onCommit: () => wake?.(),
  });
  const publisher = createPublisher({
    store,
    zones: [{ name: ZONE, publish: 'tcp://127.0.0.1:*', sync: 'tcp://127.0.0.1:*' }],
    logger,
  });
  await publisher.start();
  wake = () => publisher.notify();
  const scheduler = createScheduler({
    store,
    logger,
    nodeId: 'test-master',
    executor: createLocalExecutor(handlers, { concurrency: 8 }),
  });
  await scheduler.start();
  const app = createMasterApp({
    scheduler,
    api: config.api,
    logger,
    node: 'test-master',
    replication: masterReplicationStatus(publisher),
    ...(options.accepting ? { accepting: options.accepting } : {}),
    ...(options.ping === false ? {} : { ping: () => store.ping() }),
  });
  let closed = false;
  return {
    app,
    scheduler,
    store,
    publisher,
    logs,
    aborted,
    releaseBlocked() {
      for (const done of waiting) done();
      waiting.clear();
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const done of waiting) done();
      await scheduler.stop({ graceMs: 2_000 });
      await publisher.close();
      await store.close();
    },
  };
}
