import { masterDataVersion } from '@schedulezero/http-api';
import { type Logger, listenHttp, loadFunctions, redactDatabaseUrl } from '@schedulezero/node-runtime';
import { createZoneProjector, type Publisher } from '@schedulezero/replication';
import {
  combineExecutors,
  createLocalExecutor,
  createScheduler,
  type Executor,
  type HandlerFunction,
  type MasterStore,
  openStore,
  parseDatabaseUrl,
} from '@schedulezero/scheduler-core';
import { createZonePolicy } from '@schedulezero/security-filter';
import { createMasterApp } from './app.ts';
import { createMasterMembership, masterAddresses } from './cluster-membership.ts';
import { clusterMetrics, clusterView, singleInstance } from './cluster-view.ts';
import type { MasterConfig } from './config.ts';
import { createLocalHandlerRecord, LOCAL_HANDLER_TAGS } from './local-handler-record.ts';
import { linkMetrics, refusedHandshakeMetrics, replicationMetrics } from './metrics-components.ts';
import { masterReplicationStatus } from './replication-status.ts';
import { lockSqliteForMaster, type SqliteMasterLock } from './sqlite-master-lock.ts';
import { createLink, createReplicationPublisher, linkEndpoints, zoneEndpoints } from './zeromq-endpoints.ts';
import { type ServerSecurity, startServerSecurity } from './zeromq-security.ts';

/**
 * Wires a master node: store, ZeroMQ security, local handlers and the handler link, scheduler,
 * HTTP server; and stops them in the reverse order.
 */

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
  const sqliteLock = lockSqliteFile(config.database.url);
  try {
    const started = await startLocked({ config, logger, version }, local.functions);
    if (!started.ok) {
      sqliteLock?.release();
      return started;
    }
    const { master } = started;
    return {
      ok: true,
      master: { ...master, stop: () => master.stop().finally(() => sqliteLock?.release()) },
    };
  } catch (error) {
    sqliteLock?.release();
    throw error;
  }
}

/** Refuses to start (throws, so the node exits 1 saying why) when another master holds the SQLite file. */
function lockSqliteFile(url: string): SqliteMasterLock | undefined {
  const target = parseDatabaseUrl(url);
  if (target.dialect !== 'sqlite' || target.filename === ':memory:') return undefined;
  const locked = lockSqliteForMaster(target.filename);
  if (!locked.ok) throw new Error(locked.problem);
  return locked.lock;
}

async function startLocked(
  { config, logger, version }: StartMasterOptions,
  functions: Record<string, HandlerFunction>,
): Promise<StartMasterResult> {
  const refusedHandshakes = new Map<string, number>();
  const endpoints = [...linkEndpoints(config), ...zoneEndpoints(config)];
  const secured = await startServerSecurity(endpoints, config.security.allowPlaintext, logger, (domain) =>
    refusedHandshakes.set(domain, (refusedHandshakes.get(domain) ?? 0) + 1),
  );
  if (!secured.ok) return { ok: false, problems: secured.problems };

  // The store writes each zone's change log in the same transaction as the change, and wakes the
  // publisher after the commit.
  const zones = Object.entries(config.replication.zones);
  const policies = new Map(zones.map(([name, zone]) => [name, createZonePolicy(zone.policy)]));
  let publisher: Publisher | undefined;
  const store = await openStore(config.database.url, {
    // A master paused mid-transaction for half of deadAfterMs loses the transaction and its locks,
    // so the others can declare it dead and take over (PostgreSQL).
    idleInTransactionTimeoutMs: config.cluster.deadAfterMs / 2,
    ...(zones.length > 0
      ? { projector: createZoneProjector(policies), onCommit: () => publisher?.notify() }
      : {}),
  }).catch(async (error: unknown) => {
    await secured.security.close();
    throw error;
  });
  try {
    if (zones.length > 0) {
      publisher = createReplicationPublisher(config, store, logger, secured.security);
      await publisher.start();
    }
    const master = await startOnStore({
      store,
      config,
      logger,
      version,
      functions,
      security: secured.security,
      refusedHandshakes,
      publisher,
    });
    return { ok: true, master };
  } catch (error) {
    await publisher?.close().catch(() => {});
    await store.close().catch(() => {});
    await secured.security.close().catch(() => {});
    throw error;
  }
}

interface Wiring {
  store: MasterStore;
  config: MasterConfig;
  logger: Logger;
  version: string;
  functions: Record<string, HandlerFunction>;
  security: ServerSecurity;
  refusedHandshakes: ReadonlyMap<string, number>;
  publisher: Publisher | undefined;
}

async function startOnStore({
  store: database,
  config,
  logger,
  version,
  functions,
  security,
  refusedHandshakes,
  publisher,
}: Wiring): Promise<RunningMaster> {
  // The node's writes go through `store`, which counts them: the read API's ETags and response
  // cache follow the count. Only on SQLite, where this process is the database's one writer
  // (other masters of a PostgreSQL cluster write behind its back).
  const versioned = database.dialect === 'sqlite' ? masterDataVersion(database) : undefined;
  const store = versioned?.store ?? database;
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
  // The local handlers are matched against a job's target like a remote handler, with the
  // zone and tags their record shows.
  if (record)
    executors.push(
      createLocalExecutor(record.handlers, {
        concurrency: config.handlers.localConcurrency,
        handlerId: nodeId,
        zone: config.node.zone,
        tags: LOCAL_HANDLER_TAGS,
      }),
    );
  if (link) executors.push(link);
  await link?.start();
  // Registered before the loop starts: its claims carry the instance id (and are fenced by it).
  const member = createMasterMembership(config, store, logger, version, () => scheduler.wake());
  // Global and per-task limits govern the loop; per-handler ones the link's choice of handler.
  const { rate, concurrency, perTask, queueLimit } = config.governors;
  const scheduler = createScheduler({
    store,
    logger,
    nodeId,
    executor: combineExecutors(executors),
    governors: { rate, concurrency, perTask },
    queueLimit,
    noHandlerWaitMs: config.handlers.noHandlerWaitSeconds * 1000,
    ...(member ? { owner: member.owner, leader: member.isLeader } : {}),
  });
  await member?.start();
  await scheduler.start();
  // Another master's change that makes work due (a schedule created or resumed, a run now, jobs
  // of a dead master) wakes this loop at once, instead of after its safety-net sleep (docs/ha.md).
  const wakeups = await store.cluster?.listenWakes(() => scheduler.wake());
  await record?.register();

  let accepting = true;
  const startedAt = new Date();
  let httpUrl: string | null = null;
  const app = createMasterApp({
    scheduler,
    api: config.api,
    logger,
    node: nodeId,
    version,
    accepting: () => accepting,
    ping: () => store.ping(),
    dataVersion: versioned?.version,
    replication: masterReplicationStatus(publisher),
    cluster: clusterView(store, member, () =>
      singleInstance({ config, version, startedAt, http: httpUrl, leaving: !accepting }),
    ),
    components: () => {
      const linkStats = link?.stats();
      const replication = publisher?.stats();
      return {
        summary: {
          ...(linkStats ? { link: linkStats } : {}),
          ...(replication ? { replication } : {}),
          refusedHandshakes: Object.fromEntries(refusedHandshakes),
        },
        families: [
          ...(linkStats ? linkMetrics(linkStats) : []),
          ...(replication ? replicationMetrics(replication) : []),
          ...refusedHandshakeMetrics(refusedHandshakes),
          ...(member ? clusterMetrics(member.stats()) : []),
        ],
      };
    },
  });
  const http = await listenHttp(app.fetch, config.network).catch(async (error: unknown) => {
    await wakeups?.close();
    await scheduler.stop({ graceMs: 0 });
    await member?.leave();
    await link?.close();
    throw error;
  });
  const { url, port } = http;
  httpUrl = url;
  member?.setAddresses(masterAddresses(config, url));
  logger.info(
    {
      url,
      port,
      database: redactDatabaseUrl(config.database.url),
      handlers: Object.keys(functions),
      link: link?.endpoint() ?? null,
      auth: config.api.requireAuth,
    },
    'listening',
  );

  let stopping: Promise<void> | undefined;
  const stop = async () => {
    accepting = false;
    // No new connections; requests in flight finish while the node stops firing and jobs end.
    await http.close(async () => {
      // Leaving first: no more claims here, while the running jobs get their grace.
      await member?.beginLeave();
      await wakeups?.close();
      await scheduler.stop({ graceMs: config.node.shutdownGraceSeconds * 1000 });
      await member?.leave();
      await link?.close();
      await record?.close();
      await publisher?.close();
      await security.close();
    });
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
