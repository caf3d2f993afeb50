import {
  type ChangeProjector,
  createLocalExecutor,
  createReadOnlyScheduler,
  createScheduler,
  type HandlerFunction,
  openStore,
  type Scheduler,
  type Store,
  silentLogger,
} from '@schedulezero/scheduler-core';
import { Hono } from 'hono';
import { registerDashboard } from '../../src/index.ts';

export const TOKEN = 'dashboard-test-token-0123456789';

export interface MasterStack {
  app: Hono;
  scheduler: Scheduler;
  store: Store;
  close(): Promise<void>;
}

/** A master's store, scheduler and local handlers behind a bare hono app with the dashboard mounted. */
export async function createMasterStack(
  databaseUrl = 'sqlite::memory:',
  projector?: ChangeProjector,
  replication: () => Promise<object> = async () => ({
    role: 'master',
    zones: [{ zone: 'dmz', publishedSeq: 12, subscribers: 1 }],
  }),
): Promise<MasterStack> {
  const handlers: Record<string, HandlerFunction> = {
    echo: (args) => ({ echoed: args }),
    fail: () => {
      throw new Error('failed on purpose');
    },
  };
  const store = await openStore(databaseUrl, projector ? { projector } : {});
  const scheduler = createScheduler({
    store,
    logger: silentLogger,
    nodeId: 'dash-master',
    executor: createLocalExecutor(handlers, { concurrency: 4 }),
  });
  await scheduler.start();
  const app = new Hono();
  registerDashboard(app, {
    reads: scheduler,
    mutations: scheduler,
    readOnly: false,
    requireAuth: true,
    tokens: [TOKEN],
    nodeName: 'dash-master',
    replication,
  });
  return {
    app,
    scheduler,
    store,
    async close() {
      await scheduler.stop({ graceMs: 1_000 });
      await store.close();
    },
  };
}

/** A read-only app over a store (a replica's), as createNodeApp builds it with `readOnly`. */
export function createReplicaApp(store: Store, replication?: () => Promise<object>): Hono {
  const app = new Hono();
  registerDashboard(app, {
    reads: createReadOnlyScheduler({ store }),
    readOnly: true,
    requireAuth: true,
    tokens: [TOKEN],
    nodeName: 'dash-replica',
    replication,
  });
  return app;
}
