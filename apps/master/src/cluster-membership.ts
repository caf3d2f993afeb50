import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from '@schedulezero/node-runtime';
import {
  type ClusterMember,
  createClusterMember,
  type InstanceAddresses,
  type MasterStore,
} from '@schedulezero/scheduler-core';
import { clusterEventLog } from './cluster-event-log.ts';
import type { MasterConfig } from './config.ts';

/**
 * The master's place in the cluster of masters sharing its PostgreSQL database (docs/ha.md).
 * None on SQLite, which is single-master.
 */
export function createMasterMembership(
  config: MasterConfig,
  store: Pick<MasterStore, 'cluster'>,
  logger: Logger,
  version: string,
  onJobsReleased: () => void,
): ClusterMember | undefined {
  if (store.cluster === undefined) return undefined;
  const { eventLog } = config.logging;
  return createClusterMember({
    cluster: store.cluster,
    registration: {
      name: config.node.name,
      pid: process.pid,
      host: hostname(),
      version,
      addresses: masterAddresses(config),
    },
    heartbeatMs: config.cluster.heartbeatMs,
    deadAfterMs: config.cluster.deadAfterMs,
    logger,
    newId: randomUUID,
    onJobsReleased,
    ...(eventLog === undefined ? {} : { onEvent: clusterEventLog(eventLog, config.node.name, logger) }),
  });
}

/** Where this master can be reached; the HTTP URL is known once the server listens (port 0 picks one). */
export function masterAddresses(config: MasterConfig, http: string | null = null): InstanceAddresses {
  return {
    http,
    handlerLink: config.handlers.bind ?? null,
    zones: Object.fromEntries(
      Object.entries(config.replication.zones).map(([name, zone]) => [
        name,
        { publish: zone.publish, sync: zone.sync },
      ]),
    ),
  };
}
