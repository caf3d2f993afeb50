import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import { createHandlerLink, type HandlerLink } from '@schedulezero/handler-link';
import { type Logger, loadFunctions } from '@schedulezero/node-runtime';
import {
  combineExecutors,
  createLocalExecutor,
  createScheduler,
  type Executor,
  type HandlerFunction,
  openStore,
  type Store,
} from '@schedulezero/scheduler-core';
import { createMasterApp } from './app.ts';
import type { MasterConfig } from './config.ts';
import { createLocalHandlerRecord } from './local-handler-record.ts';
import { linkMetrics, zapMetrics } from './metrics-components.ts';
import { type ServerSecurity, startServerSecurity } from './zeromq-security.ts';

/**
 * Wires a master node: store, ZeroMQ security, local handlers and the handler link, scheduler,
 * HTTP server; and stops them in the reverse order.
 */

/** The ZAP domain of the handler link. */
export const LINK_DOMAIN = 'handlers';

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
  logger: Logger;
  version: string;
}

export async function startMaster({
  config,
  logger,
  version,
}: StartMasterOptions): Promise<StartMasterResult> {
  const local = await loadFunctions<HandlerFunction>(config.handlers.modules, 'handlers.modules');
  if (local.problems.length > 0) return { ok: false, problems: local.problems };
  const zapRejections = new Map<string, number>();
  const secured = await startServerSecurity(
    linkEndpoints(config),
    config.security.allowPlaintext,
    logger,
    (domain) => zapRejections.set(domain, (zapRejections.get(domain) ?? 0) + 1),
  );
  if (!secured.ok) return { ok: false, problems: secured.problems };

  const store = await openStore(config.database.url).catch(async (error: unknown) => {
    await secured.security.close();
    throw error;
  });
  try {
    const master = await startOnStore({
      store,
      config,
      logger,
      version,
      functions: local.functions,
      security: secured.security,
      zapRejections,
    });
    return { ok: true, master };
  } catch (error) {
    await store.close().catch(() => {});
    await secured.security.close().catch(() => {});
    throw error;
  }
}

function linkEndpoints(config: MasterConfig) {
  const { handlers } = config;
  if (handlers.bind === undefined) return [];
  const secretKey = { inline: handlers.secretKey, file: handlers.secretKeyFile };
  return [{ setting: 'handlers', domain: LINK_DOMAIN, secretKey, clientKeys: handlers.clientKeys }];
}

interface Wiring {
  store: Store;
  config: MasterConfig;
  logger: Logger;
  version: string;
  functions: Record<string, HandlerFunction>;
  security: ServerSecurity;
  zapRejections: ReadonlyMap<string, number>;
}

async function startOnStore({
  store,
  config,
  logger,
  version,
  functions,
  security,
  zapRejections,
}: Wiring): Promise<RunningMaster> {
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
  const link = config.handlers.bind === undefined ? undefined : createLink(config, store, logger, security);
  const executors: Executor[] = [];
  if (record)
    executors.push(createLocalExecutor(record.handlers, { concurrency: config.handlers.localConcurrency }));
  if (link) executors.push(link);
  await link?.start();
  const { queueLimit, ...governors } = config.governors;
  const scheduler = createScheduler({
    store,
    logger,
    nodeId,
    executor: combineExecutors(executors),
    governors,
    queueLimit,
  });
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
    components: () => {
      const families = zapMetrics(zapRejections);
      if (!link) return { summary: { zapRejected: Object.fromEntries(zapRejections) }, families };
      const stats = link.stats();
      return {
        summary: { link: stats, zapRejected: Object.fromEntries(zapRejections) },
        families: [...linkMetrics(stats), ...families],
      };
    },
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
    await link?.close();
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
      link: link?.endpoint() ?? null,
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
    await link?.close();
    await security.close();
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

function createLink(
  config: MasterConfig,
  store: Store,
  logger: Logger,
  security: ServerSecurity,
): HandlerLink {
  const { handlers } = config;
  return createHandlerLink({
    bind: handlers.bind as string,
    store,
    logger,
    heartbeatIntervalMs: handlers.heartbeatSeconds * 1000,
    missedHeartbeats: handlers.missedHeartbeats,
    noHandlerWaitMs: handlers.noHandlerWaitSeconds * 1000,
    configureSocket: security.configure(LINK_DOMAIN),
  });
}
