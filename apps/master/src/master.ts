import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import { createLocalExecutor, createScheduler, openStore, type Store } from '@schedulezero/scheduler-core';
import { createMasterApp } from './app.ts';
import type { MasterConfig } from './config.ts';
import type { AppLogger } from './http/types.ts';
import { createLocalHandlerRecord } from './local-handler-record.ts';
import { loadLocalHandlers } from './local-handlers.ts';

/** Wires a master node: store, local handlers, scheduler, HTTP server; and stops them in order. */

export interface RunningMaster {
  /** The bound URL, e.g. http://127.0.0.1:8888 (the real port when 0 was configured). */
  url: string;
  port: number;
  /** Stops firing, lets running jobs finish within the grace, closes the server and the database. */
  stop(): Promise<void>;
}

export type StartMasterResult = { ok: true; master: RunningMaster } | { ok: false; problems: string[] };

export interface StartMasterOptions {
  config: MasterConfig;
  logger: AppLogger;
  version: string;
}

export async function startMaster({
  config,
  logger,
  version,
}: StartMasterOptions): Promise<StartMasterResult> {
  const local = await loadLocalHandlers(config.handlers.modules);
  if (local.problems.length > 0) return { ok: false, problems: local.problems };

  const store = await openStore(config.database.url);
  try {
    return { ok: true, master: await startOnStore(store, config, logger, version, local.handlers) };
  } catch (error) {
    await store.close().catch(() => {});
    throw error;
  }
}

async function startOnStore(
  store: Store,
  config: MasterConfig,
  logger: AppLogger,
  version: string,
  functions: Awaited<ReturnType<typeof loadLocalHandlers>>['handlers'],
): Promise<RunningMaster> {
  const nodeId = config.node.name;
  const record =
    Object.keys(functions).length > 0
      ? createLocalHandlerRecord({
          store,
          id: nodeId,
          zone: config.node.zone,
          capacity: config.handlers.localConcurrency,
          handlers: functions,
          onError: (error) => logger.warn({ err: error }, 'could not write the local handler record'),
        })
      : undefined;
  const executor = record
    ? createLocalExecutor(record.handlers, { concurrency: config.handlers.localConcurrency })
    : undefined;
  const scheduler = createScheduler({ store, logger, nodeId, ...(executor ? { executor } : {}) });
  await scheduler.start();
  await record?.register();

  let accepting = true;
  const app = createMasterApp({
    scheduler,
    api: config.api,
    logger,
    node: nodeId,
    version,
    accepting: () => accepting,
    ping: () => store.ping(),
  });
  const server = createAdaptorServer({ fetch: app.fetch });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.network.port, config.network.bindAddress, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch(async (error: unknown) => {
    await scheduler.stop({ graceMs: 0 });
    throw error;
  });
  const { port } = server.address() as AddressInfo;
  const host = config.network.bindAddress.includes(':')
    ? `[${config.network.bindAddress}]`
    : config.network.bindAddress;
  const url = `http://${host}:${port}`;
  logger.info(
    {
      url,
      port,
      database: redactUrl(config.database.url),
      handlers: Object.keys(functions),
      auth: config.api.requireAuth,
    },
    'listening',
  );

  let stopping: Promise<void> | undefined;
  const stop = async () => {
    accepting = false;
    // No new connections; requests already in flight finish. Idle keep-alive sockets go now.
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    if ('closeIdleConnections' in server) server.closeIdleConnections();
    await scheduler.stop({ graceMs: config.node.shutdownGraceSeconds * 1000 });
    await record?.close();
    if ('closeAllConnections' in server) server.closeAllConnections();
    await closed;
    await store.close();
  };
  return {
    url,
    port,
    stop: () => {
      stopping ??= stop();
      return stopping;
    },
  };
}

/** Logs the database without its password. */
function redactUrl(url: string): string {
  if (!url.startsWith('postgres')) return url;
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'postgres://(unparsable)';
  }
}
