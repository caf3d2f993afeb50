import { createNodeApp, replicaDataVersion } from '@schedulezero/http-api';
import {
  clientSecurity,
  type HttpListener,
  type Logger,
  listenHttp,
  redactDatabaseUrl,
} from '@schedulezero/node-runtime';
import { createReadOnlyScheduler, openReplicaStore } from '@schedulezero/scheduler-core';
import { type ReplicaConfig, replicaMasters, replicaZone } from './config.ts';
import { replicaMetrics } from './replication-metrics.ts';
import { createSupervisedSubscriber, type SupervisedStatus } from './supervised-subscriber.ts';

/**
 * Wires a replica node: its own store (written only by the subscriber's apply path), the
 * subscriber of its zone's stream, and the read-only HTTP API over the store; stopped in the
 * reverse order. It never executes jobs: there is no scheduler loop, no executor.
 */

/** Live, and no known change older than this unapplied: /readyz says ready. */
export const READY_MAX_LAG_MS = 5_000;

export interface RunningReplica {
  url: string;
  port: number;
  status(): SupervisedStatus;
  stop(): Promise<void>;
}

export type StartReplicaResult = { ok: true; replica: RunningReplica } | { ok: false; problems: string[] };

export interface StartReplicaOptions {
  config: ReplicaConfig;
  logger: Logger;
  version: string;
}

export async function startReplica({
  config,
  logger,
  version,
}: StartReplicaOptions): Promise<StartReplicaResult> {
  const { kinds } = config.replication;
  const { masters, serverKey, serverKeyFile, setting } = replicaMasters(config);
  const { security } = config;
  const secured = await clientSecurity(
    {
      setting,
      serverKey: { inline: serverKey, file: serverKeyFile },
      secretKey: { inline: security.secretKey, file: security.secretKeyFile },
      publicKey: { inline: security.publicKey, file: security.publicKeyFile },
    },
    security.allowPlaintext,
  );
  if (!secured.ok) return { ok: false, problems: secured.problems };
  for (const warning of secured.warnings) logger.warn({}, warning);
  const configure = secured.value.configure;

  const zone = replicaZone(config);
  // The subscriber writes through `store`, which tracks the applied position: the read API's
  // ETags and response cache follow it.
  const database = await openReplicaStore(config.database.url);
  const versioned = await replicaDataVersion(database, zone).catch(async (error: unknown) => {
    await database.close();
    throw error;
  });
  const { store } = versioned;
  const subscriber = createSupervisedSubscriber({
    store,
    zone,
    masters,
    kinds: kinds ?? null,
    logger,
    ...(configure ? { configureSocket: (socket) => configure(socket) } : {}),
  });
  let accepting = true;
  const app = createNodeApp({
    reads: createReadOnlyScheduler({ store }),
    readOnly: true,
    // A DMZ replica is the public face of the scheduler: its status page is on unless turned off.
    api: { ...config.api, statusPage: config.api.statusPage ?? zone === 'dmz' },
    logger,
    node: config.node.name,
    version,
    accepting: () => accepting,
    ping: () => store.ping(),
    dataVersion: versioned.version,
    cacheScope: `${zone}|${kinds?.join(',') ?? '*'}`,
    notReady: () => notReadyReason(subscriber.status()),
    replication: async () => ({ role: 'replica', ...subscriber.status() }),
    components: () => {
      const status = subscriber.status();
      return { summary: { replication: status }, families: replicaMetrics(status) };
    },
  });
  let http: HttpListener;
  try {
    await subscriber.start();
    http = await listenHttp(app.fetch, config.network);
  } catch (error) {
    await subscriber.close().catch(() => {});
    await store.close().catch(() => {});
    throw error;
  }
  const { url, port } = http;
  logger.info(
    {
      url,
      port,
      zone,
      kinds: kinds ?? 'all',
      masters,
      database: redactDatabaseUrl(config.database.url),
      auth: config.api.requireAuth,
      curve: configure !== undefined,
    },
    'listening',
  );

  let stopping: Promise<void> | undefined;
  const stop = async () => {
    accepting = false;
    await http.close(() => subscriber.close());
    await store.close();
  };
  return {
    ok: true,
    replica: {
      url,
      port,
      status: () => subscriber.status(),
      stop: () => {
        stopping ??= stop();
        return stopping;
      },
    },
  };
}

/** Ready = live, in touch with the master, and not behind by more than READY_MAX_LAG_MS. */
export function notReadyReason(status: SupervisedStatus): string | undefined {
  if (status.state !== 'live') return `replication is ${status.state.replace('_', ' ')}`;
  if (!status.connected) return 'no word from the master: the data may be stale';
  if (status.lagChanges > 0 && status.lagMs > READY_MAX_LAG_MS)
    return `behind the master by ${status.lagChanges} changes (${Math.round(status.lagMs)} ms)`;
  return undefined;
}
