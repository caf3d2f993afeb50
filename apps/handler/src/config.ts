import { hostname } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { type LoadConfigResult, loadConfig } from '@schedulezero/config';
import { DEFAULT_LINK_PORT, idSchema } from '@schedulezero/protocol';
import { z } from 'zod';

/**
 * The handler node's configuration (DESIGN.md "Configuration"): the sections it uses (node, worker,
 * security, logging) are checked strictly; those of other node types are accepted loosely so that
 * one file shape serves every node. This is the only module of the app that reads `process.env`.
 */

export const ENV_PREFIX = 'SCHEDULEZERO_';

const nameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be 1-64 letters, digits, ".", "_" or "-"');

const nodeSectionSchema = z.strictObject({
  type: z.literal('handler', { message: 'this is a handler; expected "handler"' }).default('handler'),
  name: nameSchema.default(() => hostname().slice(0, 64) || 'schedulezero-handler'),
  /** The worker's zone when `worker.zone` is not set. */
  zone: nameSchema.default('default'),
  /** After SIGTERM, running jobs get this long to finish before they are aborted. */
  shutdownGraceSeconds: z
    .number()
    .min(0)
    .max(24 * 3600)
    .default(300),
});

const workerSectionSchema = z.strictObject({
  /** The master's handler-link ROUTER. */
  master: z
    .string()
    .regex(/^tcp:\/\/.+:\d+$/, 'must be tcp://HOST:PORT')
    .default(`tcp://127.0.0.1:${DEFAULT_LINK_PORT}`),
  /** Handler id and ZeroMQ routing id, unique among the master's handlers. Default: node.name. */
  id: idSchema.optional(),
  /** Default: node.zone. */
  zone: nameSchema.optional(),
  /** The master's CURVE public key (Z85), inline or in a file. */
  serverKey: z.string().min(1).optional(),
  serverKeyFile: z.string().min(1).optional(),
  /** Modules whose exported functions become the methods this worker offers (task = export name). */
  modules: z.array(z.string().min(1)).min(1, 'list at least one module of handler functions'),
  /** Jobs run at once. */
  capacity: z.number().int().min(1).max(10_000).default(10),
  tags: z.array(z.string().min(1).max(64)).max(32).default([]),
  /** A function that ignores its AbortSignal is waited for this long after a timeout or cancel. */
  abortGraceSeconds: z.number().min(0).max(3600).default(5),
});

const securitySectionSchema = z.strictObject({
  secretKeyFile: z.string().min(1).optional(),
  publicKeyFile: z.string().min(1).optional(),
  secretKey: z.string().min(1).optional(),
  publicKey: z.string().min(1).optional(),
  /** Development only: talk to the master without CURVE. */
  allowPlaintext: z.boolean().default(false),
});

const loggingSectionSchema = z.strictObject({
  level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  pretty: z.boolean().default(false),
});

// Sections other node types own; listed so that environment overrides find their keys.
const looseSection = (keys: readonly string[]) =>
  z.looseObject(Object.fromEntries(keys.map((key) => [key, z.unknown().optional()]))).optional();

export const handlerConfigSchema = z
  .strictObject({
    node: nodeSectionSchema.prefault({}),
    worker: workerSectionSchema,
    security: securitySectionSchema.prefault({}),
    logging: loggingSectionSchema.prefault({}),
    network: looseSection(['bindAddress', 'port']),
    database: looseSection(['url']),
    api: looseSection(['requireAuth', 'tokens', 'allowedOrigins']),
    handlers: looseSection(['bind', 'modules', 'secretKeyFile', 'secretKey', 'clientKeys']),
    replication: looseSection(['zones', 'master', 'kinds', 'retention']),
    governors: looseSection(['rate', 'concurrency', 'perTask']),
  })
  .superRefine((config, context) => {
    const hasKey = config.worker.serverKey !== undefined || config.worker.serverKeyFile !== undefined;
    if (hasKey) {
      // Fail closed: a configured key that is silently not applied would look like a secure link.
      context.addIssue({
        code: 'custom',
        path: ['worker', 'serverKey'],
        message:
          'CURVE for the handler link is not available in this build yet; remove the key and set security.allowPlaintext: true on a trusted network',
      });
    } else if (!config.security.allowPlaintext) {
      context.addIssue({
        code: 'custom',
        path: ['worker', 'serverKey'],
        message:
          'no serverKey: set worker.serverKey (CURVE) or, for development, security.allowPlaintext: true',
      });
    }
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
      return { ...config, worker: { ...config.worker, modules: config.worker.modules.map(modulePath) } };
    },
  });
}

/** The handler id and zone after defaults: `worker.id` else `node.name`, `worker.zone` else `node.zone`. */
export function workerIdentity(config: HandlerConfig): { id: string; zone: string } {
  return { id: config.worker.id ?? config.node.name, zone: config.worker.zone ?? config.node.zone };
}
