import { isAbsolute, resolve } from 'node:path';
import {
  apiSection,
  clusterSection,
  databaseSection,
  ENV_PREFIX,
  governorsSection,
  HTTP_NODE_SHORTHANDS,
  type LoadConfigResult,
  loadConfig,
  loggingSection,
  looseSection,
  networkSection,
  nodeNameSchema,
  nodeSection,
  requireTokenWithAuth,
  resolveDatabaseUrl,
  SECTION_KEYS,
  securitySection,
} from '@schedulezero/config';
import { zonePolicyConfigSchema } from '@schedulezero/security-filter';
import { z } from 'zod';

/**
 * The node configuration (docs/configuration.md). The sections are written for all three node
 * types so that this file can move into a shared package; the master validates strictly the
 * sections it uses (node, network, database, api, handlers, logging) and accepts the others loosely
 * until their nodes exist. This is the only module of the app that reads `process.env`.
 */

export const DEFAULT_DATABASE_URL = 'sqlite:./data/master.db';
export const DEFAULT_LINK_BIND = 'tcp://127.0.0.1:5555';

export const handlersSectionSchema = z.strictObject({
  /**
   * Where remote handler workers connect (ZeroMQ ROUTER); loopback by default, like HTTP. `none`
   * binds no link: the master runs only its local handlers. Parsed to `undefined` then.
   */
  bind: z
    .string()
    .refine((bind) => bind === 'none' || /^tcp:\/\/.+:\d+$/.test(bind), 'must be tcp://ADDRESS:PORT or none')
    .default(DEFAULT_LINK_BIND)
    .transform((bind) => (bind === 'none' ? undefined : bind)),
  /** Modules whose exported functions run in this process as handlers (task name = export name). */
  modules: z.array(z.string().min(1)).default([]),
  /** Local jobs running at once, all tasks together. */
  localConcurrency: z.number().int().min(1).max(10_000).default(50),
  /** The handler link's CURVE server key (Z85), in a file or inline. */
  secretKeyFile: z.string().min(1).optional(),
  secretKey: z.string().min(1).optional(),
  /** Public keys of the workers allowed on the link. */
  clientKeys: z.array(z.string().min(1)).default([]),
  /** Workers heartbeat this often; one silent for `missedHeartbeats` of them is offline. */
  heartbeatSeconds: z.number().min(0.05).max(300).default(5),
  missedHeartbeats: z.number().int().min(1).max(100).default(3),
  /**
   * A job no handler can take fails with `no_handler` after waiting this long: on the link when
   * no eligible handler is free for it, in the loop when no handler registered anywhere offers
   * its task at all.
   */
  noHandlerWaitSeconds: z.number().min(0).max(86_400).default(30),
});

const tcpEndpoint = z.string().regex(/^tcp:\/\/.+:(\d+|\*)$/, 'must be tcp://ADDRESS:PORT');

/** One zone's replication stream: where it binds, what it may see, who may connect. */
export const zoneSchema = z.strictObject({
  /** The PUB socket of the zone's stream, e.g. tcp://0.0.0.0:5562. */
  publish: tcpEndpoint,
  /** The catch-up ROUTER, e.g. tcp://0.0.0.0:5563. */
  sync: tcpEndpoint,
  /** What the zone receives: admin, regional, dmz, or one of them refined. dmz, the narrowest, by default. */
  policy: zonePolicyConfigSchema.default('dmz'),
  /** The zone endpoint's own CURVE server key. */
  secretKeyFile: z.string().min(1).optional(),
  secretKey: z.string().min(1).optional(),
  /** Public keys of the replicas allowed on this zone's endpoints. */
  clientKeys: z.array(z.string().min(1)).default([]),
});

export const replicationSectionSchema = z.strictObject({
  zones: z.record(nodeNameSchema, zoneSchema).default({}),
  /** Change-log rows kept per zone; a replica further behind takes a snapshot. */
  retention: z
    .strictObject({
      changes: z.number().int().min(1).default(1_000_000),
      maxAgeSeconds: z.number().positive().optional(),
    })
    .prefault({}),
  /** Heartbeats carry the head seq; a replica that misses three reconnects and catches up. */
  heartbeatMs: z.number().int().min(50).max(60_000).default(1000),
  // The replica side of the same file shape; a master ignores them.
  master: z.unknown().optional(),
  masters: z.unknown().optional(),
  serverKey: z.unknown().optional(),
  serverKeyFile: z.unknown().optional(),
  kinds: z.unknown().optional(),
  zone: z.unknown().optional(),
});

export const masterConfigSchema = z.strictObject({
  node: nodeSection('master', { zone: 'admin', shutdownGraceSeconds: 30 }).prefault({}),
  network: networkSection(8888).prefault({}),
  database: databaseSection(DEFAULT_DATABASE_URL).prefault({}),
  api: apiSection({ requireAuth: true }).superRefine(requireTokenWithAuth).prefault({}),
  handlers: handlersSectionSchema.prefault({}),
  logging: loggingSection.prefault({}),
  security: securitySection.prefault({}),
  governors: governorsSection.prefault({}),
  replication: replicationSectionSchema.prefault({}),
  cluster: clusterSection.prefault({}),
  worker: looseSection(SECTION_KEYS.worker),
});

export type MasterConfig = z.output<typeof masterConfigSchema>;

export interface LoadMasterConfigOptions {
  file?: string | undefined;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
}

export function loadMasterConfig(options: LoadMasterConfigOptions): LoadConfigResult<MasterConfig> {
  return loadConfig({
    schema: masterConfigSchema,
    file: options.file,
    env: options.env,
    prefix: ENV_PREFIX,
    shorthands: HTTP_NODE_SHORTHANDS,
    cwd: options.cwd,
    resolvePaths: resolveMasterPaths,
  });
}

/** Relative file paths become absolute against the config file's directory (or the cwd for values from the environment). */
function resolveMasterPaths(
  config: MasterConfig,
  baseFor: (path: readonly string[]) => string,
): MasterConfig {
  const file = (value: string, path: readonly string[]) =>
    isAbsolute(value) ? value : resolve(baseFor(path), value);
  const modulePath = (value: string) =>
    // Bare names (`@acme/handlers`) are packages, resolved by the module loader as usual.
    value.startsWith('.') || isAbsolute(value) ? file(value, ['handlers', 'modules']) : value;
  const { eventLog } = config.logging;
  return {
    ...config,
    database: { url: resolveDatabaseUrl(config.database.url, (path) => file(path, ['database', 'url'])) },
    logging: {
      ...config.logging,
      ...(eventLog === undefined ? {} : { eventLog: file(eventLog, ['logging', 'eventLog']) }),
    },
    replication: {
      ...config.replication,
      zones: Object.fromEntries(
        Object.entries(config.replication.zones).map(([name, zone]) => [
          name,
          zone.secretKeyFile
            ? {
                ...zone,
                secretKeyFile: file(zone.secretKeyFile, ['replication', 'zones', name, 'secretKeyFile']),
              }
            : zone,
        ]),
      ),
    },
    security: {
      ...config.security,
      ...(config.security.secretKeyFile
        ? { secretKeyFile: file(config.security.secretKeyFile, ['security', 'secretKeyFile']) }
        : {}),
      ...(config.security.publicKeyFile
        ? { publicKeyFile: file(config.security.publicKeyFile, ['security', 'publicKeyFile']) }
        : {}),
    },
    handlers: {
      ...config.handlers,
      modules: config.handlers.modules.map(modulePath),
      ...(config.handlers.secretKeyFile
        ? { secretKeyFile: file(config.handlers.secretKeyFile, ['handlers', 'secretKeyFile']) }
        : {}),
    },
  };
}
