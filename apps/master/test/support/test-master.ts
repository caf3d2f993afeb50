import type { OpenAPIHono } from '@hono/zod-openapi';
import { createLogger } from '@schedulezero/node-runtime';
import {
  createLocalExecutor,
  createScheduler,
  type HandlerFunction,
  openStore,
  type Scheduler,
  type Store,
} from '@schedulezero/scheduler-core';
import { createMasterApp } from '../../src/app.ts';
import { masterConfigSchema } from '../../src/config.ts';

export const TOKEN = 'test-token-0123456789abcdef';

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

/** A real master stack (store, scheduler, local executor, app) with no HTTP server around it. */
export interface TestMaster {
  app: OpenAPIHono;
  scheduler: Scheduler;
  store: Store;
  logs: LogLine[];
  /** Ends every `block` job waiting now. */
  releaseBlocked(): void;
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
        context.signal.addEventListener('abort', done, { once: true });
      }),
  };
  const store = await openStore(options.databaseUrl);
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
    ...(options.accepting ? { accepting: options.accepting } : {}),
    ...(options.ping === false ? {} : { ping: () => store.ping() }),
  });
  let closed = false;
  return {
    app,
    scheduler,
    store,
    logs,
    releaseBlocked() {
      for (const done of waiting) done();
      waiting.clear();
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const done of waiting) done();
      await scheduler.stop({ graceMs: 2_000 });
      await store.close();
    },
  };
}
