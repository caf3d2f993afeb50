import { hostname } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { type LoadConfigResult, loadConfig, type Shorthand } from '@schedulezero/config';
import { z } from 'zod';

/**
 * The node configuration (DESIGN.md "Configuration"). The sections are written for all three node
 * types so that this file can move into a shared package; the master validates strictly the
 * sections it uses (node, network, database, api, handlers, logging) and accepts the others loosely
 * until their nodes exist. This is the only module of the app that reads `process.env`.
 */

export const ENV_PREFIX = 'SCHEDULEZERO_';

export const ENV_SHORTHANDS: Readonly<Record<string, Shorthand>> = {
  SCHEDULEZERO_API_TOKEN: { path: ['api', 'tokens'], mode: 'append' },
  SCHEDULEZERO_DATABASE_URL: { path: ['database', 'url'] },
  SCHEDULEZERO_HTTP_PORT: { path: ['network', 'port'] },
};

export const DEFAULT_DATABASE_URL = 'sqlite:./data/master.db';
export const MIN_TOKEN_LENGTH = 16;

const nameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be 1-64 letters, digits, ".", "_" or "-"');

export const nodeSectionSchema = z.strictObject({
  type: z.enum(['master', 'replica', 'handler']),
  name: nameSchema.default(() => hostname().slice(0, 64) || 'schedulezero'),
  zone: nameSchema.default('admin'),
  /** How long running jobs may take to finish after SIGTERM before they are aborted. */
  shutdownGraceSeconds: z.number().min(0).max(3600).default(30),
});

export const networkSectionSchema = z.strictObject({
  bindAddress: z.string().min(1).default('127.0.0.1'),
  /** 0 picks a free port (logged at start). */
  port: z.number().int().min(0).max(65535).default(8888),
});

export const databaseUrlSchema = z
  .string()
  .refine(isDatabaseUrl, 'must be sqlite:PATH, sqlite::memory: or postgres://user@host:port/db');

export const databaseSectionSchema = z.strictObject({
  url: databaseUrlSchema.default(DEFAULT_DATABASE_URL),
});

export const apiSectionSchema = z.strictObject({
  requireAuth: z.boolean().default(true),
  tokens: z
    .array(z.string().min(MIN_TOKEN_LENGTH, `must be at least ${MIN_TOKEN_LENGTH} characters`).max(512))
    .default([]),
  /** Browser origins allowed by CORS, e.g. https://ops.example.com; "*" for any. Empty: no CORS headers. */
  allowedOrigins: z
    .array(
      z
        .string()
        .refine(
          (origin) => origin === '*' || isOrigin(origin),
          'must be "*" or an origin such as https://ops.example.com',
        ),
    )
    .default([]),
  /** Larger request bodies get 413. */
  maxBodyBytes: z
    .number()
    .int()
    .min(1024)
    .max(64 * 1024 * 1024)
    .default(1024 * 1024),
  /** Serves the interactive API page at /docs. */
  docs: z.boolean().default(true),
});

export const handlersSectionSchema = z.strictObject({
  /** Where remote handler workers connect (ZeroMQ ROUTER). */
  bind: z.string().min(1).default('tcp://127.0.0.1:5555'),
  /** Modules whose exported functions run in this process as handlers (task name = export name). */
  modules: z.array(z.string().min(1)).default([]),
  /** Local jobs running at once, all tasks together. */
  localConcurrency: z.number().int().min(1).max(10_000).default(50),
  secretKeyFile: z.string().min(1).optional(),
  secretKey: z.string().min(1).optional(),
  clientKeys: z.array(z.string().min(1)).default([]),
});

export const loggingSectionSchema = z.strictObject({
  level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Human-readable lines instead of JSON (development). */
  pretty: z.boolean().default(false),
});

// Sections other node types own. Their keys are listed so that environment overrides find them;
// their values are checked by the nodes that use them.
const looseSection = (keys: readonly string[]) =>
  z.looseObject(Object.fromEntries(keys.map((key) => [key, z.unknown().optional()]))).optional();

export const replicationSectionSchema = looseSection(['zones', 'master', 'kinds', 'retention']);
export const workerSectionSchema = looseSection(['master', 'serverKey', 'modules', 'capacity', 'tags']);
export const securitySectionSchema = looseSection([
  'secretKeyFile',
  'publicKeyFile',
  'secretKey',
  'publicKey',
  'allowPlaintext',
]);
export const governorsSectionSchema = looseSection(['rate', 'concurrency', 'perTask']);

export const masterConfigSchema = z.strictObject({
  node: nodeSectionSchema
    .extend({
      type: z.literal('master', { message: 'this is the master; expected "master"' }).default('master'),
    })
    .prefault({}),
  network: networkSectionSchema.prefault({}),
  database: databaseSectionSchema.prefault({}),
  api: apiSectionSchema.superRefine(requireTokenWithAuth).prefault({}),
  handlers: handlersSectionSchema.prefault({}),
  logging: loggingSectionSchema.prefault({}),
  replication: replicationSectionSchema,
  worker: workerSectionSchema,
  security: securitySectionSchema,
  governors: governorsSectionSchema,
});

/** Fail closed: an API that requires auth but knows no token would lock everyone out, or worse, be fixed by turning auth off. */
function requireTokenWithAuth(api: z.output<typeof apiSectionSchema>, context: z.core.$RefinementCtx): void {
  if (api.requireAuth && api.tokens.length === 0) {
    context.addIssue({
      code: 'custom',
      path: ['tokens'],
      message: 'api.requireAuth is on but no token is configured: set api.tokens or SCHEDULEZERO_API_TOKEN',
    });
  }
}

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
    shorthands: ENV_SHORTHANDS,
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
  return {
    ...config,
    database: { url: resolveDatabaseUrl(config.database.url, (path) => file(path, ['database', 'url'])) },
    handlers: {
      ...config.handlers,
      modules: config.handlers.modules.map(modulePath),
      ...(config.handlers.secretKeyFile
        ? { secretKeyFile: file(config.handlers.secretKeyFile, ['handlers', 'secretKeyFile']) }
        : {}),
    },
  };
}

export function resolveDatabaseUrl(url: string, resolvePath: (path: string) => string): string {
  if (url === 'sqlite::memory:' || !url.startsWith('sqlite:')) return url;
  // `sqlite:///abs/path` and `sqlite://rel/path` are spellings of `sqlite:/abs/path` and `sqlite:rel/path`.
  return `sqlite:${resolvePath(url.slice('sqlite:'.length).replace(/^\/\//, ''))}`;
}

function isDatabaseUrl(url: string): boolean {
  if (url === 'sqlite::memory:') return true;
  if (url.startsWith('sqlite:')) return url.length > 'sqlite:'.length;
  if (!/^postgres(ql)?:\/\//.test(url)) return false;
  try {
    const parsed = new URL(url);
    return parsed.hostname !== '' && parsed.pathname.length > 1;
  } catch {
    return false;
  }
}

function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === value;
  } catch {
    return false;
  }
}
