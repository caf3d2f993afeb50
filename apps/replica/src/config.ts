import { isAbsolute, resolve } from 'node:path';
import {
  apiSection,
  databaseSection,
  ENV_PREFIX,
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
import { REPLICATION_KINDS } from '@schedulezero/protocol';
import { MAX_MASTERS } from '@schedulezero/replication';
import { z } from 'zod';

/**
 * The replica node's configuration (docs/configuration.md): node, network, database, api,
 * replication (the replica side: `zone`, `master` or `masters`, `kinds`), security and logging are checked
 * strictly; the other node types' sections are accepted loosely so one file shape serves every
 * node. A replica is read-only whatever this file says: no key turns mutations on. This is the only
 * module of the app that reads `process.env`.
 */

export const DEFAULT_DATABASE_URL = 'sqlite:./data/replica.db';

const tcpEndpoint = z.string().regex(/^tcp:\/\/.+:\d+$/, 'must be tcp://HOST:PORT');

/** The master's endpoints of this replica's zone, and the zone's CURVE server key. */
const masterEndpointsSchema = z.strictObject({
  /** The zone's PUB, e.g. tcp://10.88.88.1:5562. */
  publish: tcpEndpoint,
  /** The zone's catch-up ROUTER, e.g. tcp://10.88.88.1:5563. */
  sync: tcpEndpoint,
  /** The zone endpoint's CURVE public key (Z85), inline or in a file. */
  serverKey: z.string().min(1).optional(),
  serverKeyFile: z.string().min(1).optional(),
});

/** One master of a cluster: its zone endpoints (the cluster's zone key is `replication.serverKey`). */
const clusterMasterSchema = masterEndpointsSchema.pick({ publish: true, sync: true });

export const replicaReplicationSchema = z
  .strictObject({
    /** The zone whose stream this replica takes; default node.zone. */
    zone: nodeNameSchema.optional(),
    /** The one master this replica follows. */
    master: masterEndpointsSchema.optional(),
    /** Every master of a cluster: the replica follows one, and the next when it falls silent. */
    masters: z.array(clusterMasterSchema).min(1, 'list at least one master').max(MAX_MASTERS).optional(),
    /** With `masters`: the zone endpoint's CURVE public key, one for the whole cluster. */
    serverKey: z.string().min(1).optional(),
    serverKeyFile: z.string().min(1).optional(),
    /** Kinds to take (topic selection); all when omitted. */
    kinds: z
      .array(z.enum(REPLICATION_KINDS))
      .min(1)
      .refine((kinds) => new Set(kinds).size === kinds.length, 'list each kind once')
      .optional(),
    // The master side of the same file shape; a replica ignores them.
    zones: z.unknown().optional(),
    retention: z.unknown().optional(),
    heartbeatMs: z.unknown().optional(),
  })
  .superRefine(
    (replication, context) => {
      const both =
        'set replication.master (one master) or replication.masters (every master of a cluster), not both';
      if (replication.master !== undefined && replication.masters !== undefined)
        context.addIssue({ code: 'custom', path: ['masters'], message: both });
      else if (replication.master === undefined && replication.masters === undefined)
        context.addIssue({
          code: 'custom',
          path: ['master'],
          message: 'required: set replication.master (one master) or replication.masters (a cluster)',
        });
      else if (
        replication.master !== undefined &&
        (replication.serverKey ?? replication.serverKeyFile) !== undefined
      )
        context.addIssue({
          code: 'custom',
          path: ['serverKey'],
          message: 'with replication.master, give its key as replication.master.serverKey or serverKeyFile',
        });
    },
    // Checked even when another key is wrong, so that a missing master is listed with the rest.
    { when: (payload) => typeof payload.value === 'object' && payload.value !== null },
  );

export const replicaConfigSchema = z.strictObject({
  node: nodeSection('replica', { zone: 'dmz', shutdownGraceSeconds: 10 }).prefault({}),
  network: networkSection(8889).prefault({}),
  database: databaseSection(DEFAULT_DATABASE_URL).prefault({}),
  // A DMZ status page is public: no token needed unless the operator asks for one.
  api: apiSection({ requireAuth: false }).superRefine(requireTokenWithAuth).prefault({}),
  replication: replicaReplicationSchema,
  security: securitySection.prefault({}),
  logging: loggingSection.prefault({}),
  handlers: looseSection(SECTION_KEYS.handlers),
  worker: looseSection(SECTION_KEYS.worker),
  governors: looseSection(SECTION_KEYS.governors),
  cluster: looseSection(SECTION_KEYS.cluster),
});

export type ReplicaConfig = z.output<typeof replicaConfigSchema>;

export interface LoadReplicaConfigOptions {
  file?: string | undefined;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
}

export function loadReplicaConfig(options: LoadReplicaConfigOptions): LoadConfigResult<ReplicaConfig> {
  return loadConfig({
    schema: replicaConfigSchema,
    file: options.file,
    env: options.env,
    prefix: ENV_PREFIX,
    shorthands: HTTP_NODE_SHORTHANDS,
    cwd: options.cwd,
    resolvePaths: (config, baseFor) => {
      const file = (value: string, path: readonly string[]) =>
        isAbsolute(value) ? value : resolve(baseFor(path), value);
      const optionalFile = (value: string | undefined, path: readonly string[]) =>
        value === undefined ? undefined : file(value, path);
      const { master, serverKeyFile } = config.replication;
      return {
        ...config,
        database: { url: resolveDatabaseUrl(config.database.url, (path) => file(path, ['database', 'url'])) },
        replication: {
          ...config.replication,
          master: master && {
            ...master,
            serverKeyFile: optionalFile(master.serverKeyFile, ['replication', 'master', 'serverKeyFile']),
          },
          serverKeyFile: optionalFile(serverKeyFile, ['replication', 'serverKeyFile']),
        },
        security: {
          ...config.security,
          secretKeyFile: optionalFile(config.security.secretKeyFile, ['security', 'secretKeyFile']),
          publicKeyFile: optionalFile(config.security.publicKeyFile, ['security', 'publicKeyFile']),
        },
      };
    },
  });
}

/** The zone this replica takes: `replication.zone`, else `node.zone`. */
export function replicaZone(config: ReplicaConfig): string {
  return config.replication.zone ?? config.node.zone;
}

/**
 * The masters this replica may follow (`replication.masters`, else the one `replication.master`),
 * the zone key they share, and the setting that names that key (for messages).
 */
export function replicaMasters(config: ReplicaConfig): {
  masters: Array<{ publish: string; sync: string }>;
  serverKey: string | undefined;
  serverKeyFile: string | undefined;
  setting: string;
} {
  const { master, masters, serverKey, serverKeyFile } = config.replication;
  if (masters !== undefined) return { masters, serverKey, serverKeyFile, setting: 'replication.masters' };
  // The schema requires one of the two.
  const one = master as NonNullable<typeof master>;
  return {
    masters: [{ publish: one.publish, sync: one.sync }],
    serverKey: one.serverKey,
    serverKeyFile: one.serverKeyFile,
    setting: 'replication.master',
  };
}
