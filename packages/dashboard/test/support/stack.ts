import type { ClusterJson } from '@schedulezero/protocol';
import {
  type ChangeProjector,
  createLocalExecutor,
  createReadOnlyScheduler,
  createScheduler,
  type HandlerFunction,
  type MasterStore,
  openStore,
  type ReadStore,
  type Scheduler,
  silentLogger,
} from '@schedulezero/scheduler-core';
import { Hono } from 'hono';
import { registerDashboard } from '../../src/index.ts';

export const TOKEN = 'dashboard-test-token-0123456789';

export interface MasterStack {
  app: Hono;
  /** `sz_session=<id>` of a session opened by logging in with TOKEN through the form. */
  cookie: string;
  scheduler: Scheduler;
  store: MasterStore;
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
  cluster?: () => Promise<ClusterJson>,
): Promise<MasterStack> {
  const handlers: Record<string, HandlerFunction> = {
    echo: (args) => ({ echoed: args }),
    fail: () => {
      throw new Error('failed on purpose');
    },
    // Runs until cancelled (or 30 s): a job to cancel while it runs.
    block: (_args, { signal }) =>
      new Promise((done, fail) => {
        const timer = setTimeout(done, 30_000);
        signal.addEventListener('abort', () => {
          clearTimeout(timer);
          fail(new Error('cancelled'));
        });
      }),
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
    cluster,
  });
  return {
    app,
    cookie: await logIn(app),
    scheduler,
    store,
    async close() {
      await scheduler.stop({ graceMs: 1_000 });
      await store.close();
    },
  };
}

/** Logs in with TOKEN through the login form; returns the `sz_session=<id>` cookie it sets. */
export async function logIn(app: Hono, token = TOKEN): Promise<string> {
  const response = await app.request('/ui/login', {
    method: 'POST',
    body: new URLSearchParams({ token, next: '/ui/schedules' }),
  });
  const match = /(sz_session=[^;]+)/.exec(response.headers.get('set-cookie') ?? '');
  if (response.status !== 303 || !match?.[1]) throw new Error(`login failed: ${response.status}`);
  return match[1];
}

/** A read-only app over a store (a replica's), as createNodeApp builds it with `readOnly`. */
export function createReplicaApp(store: ReadStore, replication?: () => Promise<object>): Hono {
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
