import { createHandlerLink, type HandlerLink } from '@schedulezero/handler-link';
import type { Logger } from '@schedulezero/node-runtime';
import { createPublisher, type Publisher } from '@schedulezero/replication';
import type { MasterStore } from '@schedulezero/scheduler-core';
import type { MasterConfig } from './config.ts';
import type { ServerSecurity } from './zeromq-security.ts';

/**
 * The master's ZeroMQ endpoints from its config: the handler link and one replication stream per
 * zone, each with its ZAP domain, keys and allowed clients.
 */

/** The ZAP domain of the handler link. */
export const LINK_DOMAIN = 'handlers';
/** The ZAP domain of a zone's replication endpoints. */
export const zoneDomain = (zone: string) => `replication.${zone}`;

export function zoneEndpoints(config: MasterConfig) {
  return Object.entries(config.replication.zones).map(([name, zone]) => ({
    setting: `replication.zones.${name}`,
    domain: zoneDomain(name),
    secretKey: { inline: zone.secretKey, file: zone.secretKeyFile },
    clientKeys: zone.clientKeys,
  }));
}

export function createReplicationPublisher(
  config: MasterConfig,
  store: MasterStore,
  logger: Logger,
  security: ServerSecurity,
): Publisher {
  const { replication } = config;
  return createPublisher({
    store,
    zones: Object.entries(replication.zones).map(([name, zone]) => ({
      name,
      publish: zone.publish,
      sync: zone.sync,
    })),
    heartbeatMs: replication.heartbeatMs,
    retention: {
      keepRows: replication.retention.changes,
      ...(replication.retention.maxAgeSeconds
        ? { maxAgeMs: replication.retention.maxAgeSeconds * 1000 }
        : {}),
    },
    logger,
    configureSocket: (socket, _role, zone) => security.configure(zoneDomain(zone))(socket),
  });
}

export function linkEndpoints(config: MasterConfig) {
  const { handlers } = config;
  if (handlers.bind === undefined) return [];
  const secretKey = { inline: handlers.secretKey, file: handlers.secretKeyFile };
  // The link is bound by default, so a minimal config meets this first: say every way out.
  const missingKeyHint = `the handler link binds ${handlers.bind} (handlers.bind): give it a key and handlers.clientKeys for the workers, or set handlers.bind: none to run local handlers only`;
  return [
    { setting: 'handlers', domain: LINK_DOMAIN, secretKey, clientKeys: handlers.clientKeys, missingKeyHint },
  ];
}

export function createLink(
  config: MasterConfig,
  store: MasterStore,
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
    limits: { handler: config.governors.handler, perHandler: config.governors.perHandler },
    configureSocket: security.configure(LINK_DOMAIN),
  });
}
