import { isAbsolute, resolve } from 'node:path';
import {
  ENV_PREFIX,
  type LoadConfigResult,
  loadConfig,
  loggingSection,
  looseSection,
  nodeNameSchema,
  nodeSection,
  SECTION_KEYS,
  securitySection,
} from '@schedulezero/config';
import { DEFAULT_LINK_PORT, idSchema } from '@schedulezero/protocol';
import { z } from 'zod';

/**
 * The handler node's configuration (docs/configuration.md): the sections it uses (node, worker,
 * security, logging) are checked strictly; those of other node types are accepted loosely so that
 * one file shape serves every node. Keys are read at start (main.ts): CURVE unless
 * `security.allowPlaintext` is set. This is the only module of the app that reads `process.env`.
 */

const DEFAULT_MASTER = `tcp://127.0.0.1:${DEFAULT_LINK_PORT}`;
const endpointSchema = z.string().regex(/^tcp:\/\/.+:\d+$/, 'must be tcp://HOST:PORT');

const workerSectionSchema = z
  .strictObject({
    /** The master's handler-link ROUTER (one master). Default: loopback 5555. */
    master: endpointSchema.optional(),
    /** The handler-link ROUTER of every master of a cluster: the worker links to each. */
    masters: z.array(endpointSchema).min(1, 'list at least one master').max(64).optional(),
    /** Handler id and ZeroMQ routing id, unique among the master's handlers. Default: node.name. */
    id: idSchema.optional(),
    /** Default: node.zone. */
    zone: nodeNameSchema.optional(),
    /** The master link's CURVE public key (Z85), inline or in a file. */
    serverKey: z.string().min(1).optional(),
    serverKeyFile: z.string().min(1).optional(),
    /** Modules whose exported functions become the methods this worker offers (task = export name). */
    modules: z.array(z.string().min(1)).min(1, 'list at least one module of handler functions'),
    /** Jobs run at once. */
    capacity: z.number().int().min(1).max(10_000).default(10),
    tags: z.array(z.string().min(1).max(64)).max(32).default([]),
    /** A function that ignores its AbortSignal is waited for this long after a timeout or cancel. */
    abortGraceSeconds: z.number().min(0).max(3600).default(5),
  })
  .superRefine((worker, context) => {
    if (worker.master !== undefined && worker.masters !== undefined)
      context.addIssue({
        code: 'custom',
        path: ['masters'],
        message: 'set worker.master (one master) or worker.masters (every master of a cluster), not both',
      });
    else if (worker.masters && worker.capacity < worker.masters.length)
      context.addIssue({
        code: 'custom',
        path: ['capacity'],
        message: `must be at least the number of worker.masters (${worker.masters.length}): each master is given a share of it`,
      });
  });

export const handlerConfigSchema = z.strictObject({
  node: nodeSection('handler', { zone: 'default', shutdownGraceSeconds: 300 }).prefault({}),
  worker: workerSectionSchema,
  security: securitySection.prefault({}),
  logging: loggingSection.prefault({}),
  network: looseSection(SECTION_KEYS.network),
  database: looseSection(SECTION_KEYS.database),
  api: looseSection(SECTION_KEYS.api),
  handlers: looseSection(SECTION_KEYS.handlers),
  replication: looseSection(SECTION_KEYS.replication),
  governors: looseSection(SECTION_KEYS.governors),
  cluster: looseSection(SECTION_KEYS.cluster),
});

export type HandlerConfig = z.output<typeof handlerConfigSchema>;

export interface LoadHandlerConfigOptions {
  file?: string | undefined;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
}

export function loadHandlerConfig(options: LoadHandlerConfigOptions): LoadConfigResult<HandlerConfig> {
  return loadConfig({
    schema: handlerConfigSchema,
    file: options.file,
    env: options.env,
    prefix: ENV_PREFIX,
    cwd: options.cwd,
    resolvePaths: (config, baseFor) => {
      const file = (value: string, path: readonly string[]) =>
        isAbsolute(value) ? value : resolve(baseFor(path), value);
      const modulePath = (value: string) =>
        // Bare names (`@acme/handlers`) are packages, resolved by the module loader as usual.
        value.startsWith('.') || isAbsolute(value) ? file(value, ['worker', 'modules']) : value;
      const optionalFile = (value: string | undefined, path: readonly string[]) =>
        value === undefined ? undefined : file(value, path);
      return {
        ...config,
        worker: {
          ...config.worker,
          modules: config.worker.modules.map(modulePath),
          serverKeyFile: optionalFile(config.worker.serverKeyFile, ['worker', 'serverKeyFile']),
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

/** The masters this worker links to: `worker.masters`, else `worker.master`, else loopback 5555. */
export function workerMasters(config: HandlerConfig): string[] {
  return config.worker.masters ?? [config.worker.master ?? DEFAULT_MASTER];
}

/** The handler id and zone after defaults: `worker.id` else `node.name`, `worker.zone` else `node.zone`. */
export function workerIdentity(config: HandlerConfig): { id: string; zone: string } {
  return { id: config.worker.id ?? config.node.name, zone: config.worker.zone ?? config.node.zone };
}
