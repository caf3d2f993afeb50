import { hostname } from 'node:os';
import { z } from 'zod';
import type { Shorthand } from './env-overrides.ts';

/**
 * The sections of the one config file shape every node reads (docs/configuration.md). An app
 * builds its schema from these: strict for the sections it uses, `looseSection` for the others, so
 * that one file can serve several nodes and environment overrides find every key.
 */

export const nodeNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be 1-64 letters, digits, ".", "_" or "-"');

export type NodeType = 'master' | 'replica' | 'handler';

export function nodeSection<T extends NodeType>(
  type: T,
  defaults: { zone: string; shutdownGraceSeconds: number },
) {
  return z.strictObject({
    type: z.literal(type, { message: `this is a ${type} node; expected "${type}"` }).default(type as never),
    name: nodeNameSchema.default(() => hostname().slice(0, 64) || `schedulezero-${type}`),
    zone: nodeNameSchema.default(defaults.zone),
    /** How long running work may take to finish after SIGTERM before it is aborted. */
    shutdownGraceSeconds: z
      .number()
      .min(0)
      .max(24 * 3600)
      .default(defaults.shutdownGraceSeconds),
  });
}

export function networkSection(defaultPort: number) {
  return z.strictObject({
    bindAddress: z.string().min(1).default('127.0.0.1'),
    /** 0 picks a free port (logged at start). */
    port: z.number().int().min(0).max(65535).default(defaultPort),
  });
}

export const databaseUrlSchema = z
  .string()
  .refine(isDatabaseUrl, 'must be sqlite:PATH, sqlite::memory: or postgres://user@host:port/db');

export function databaseSection(defaultUrl: string) {
  return z.strictObject({ url: databaseUrlSchema.default(defaultUrl) });
}

export const loggingSection = z.strictObject({
  level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Human-readable lines instead of JSON (development). */
  pretty: z.boolean().default(false),
  /**
   * A master on PostgreSQL appends one JSON line per cluster event here, rotated daily
   * (docs/ha.md). Handlers and replicas accept and ignore it, so one file can serve every node.
   */
  eventLog: z.string().min(1).optional(),
});

const keyText = z.string().min(1);

/** This node's own CURVE pair, inline (Z85) or in files; and whether plaintext ZeroMQ is allowed. */
export const securitySection = z.strictObject({
  secretKeyFile: keyText.optional(),
  secretKey: keyText.optional(),
  publicKeyFile: keyText.optional(),
  publicKey: keyText.optional(),
  /** Development only: ZeroMQ without CURVE. Refused unless set; logged as a warning when used. */
  allowPlaintext: z.boolean().default(false),
});

const limitSchema = z.strictObject({
  perSecond: z.number().positive().optional(),
  burst: z.number().int().min(1).optional(),
  concurrency: z.number().int().min(1).optional(),
});

/** Rate and concurrency limits over job execution (master). */
export const governorsSection = z.strictObject({
  rate: z
    .strictObject({ perSecond: z.number().positive(), burst: z.number().int().min(1).optional() })
    .optional(),
  concurrency: z.number().int().min(1).optional(),
  perTask: z.record(z.string().min(1), limitSchema).default({}),
  /** Limits of every remote handler on the link, on top of its own capacity. */
  handler: limitSchema.optional(),
  /** Limits of one handler (by id), over `handler` key by key. */
  perHandler: z.record(z.string().min(1), limitSchema).default({}),
  /** Run-now requests get 429 while this many jobs wait. */
  queueLimit: z.number().int().min(1).default(10_000),
});

/** A section another node type owns: its keys are known (for environment overrides), its values unchecked. */
export function looseSection(keys: readonly string[]) {
  return z.looseObject(Object.fromEntries(keys.map((key) => [key, z.unknown().optional()]))).optional();
}

/** The keys of every section, for the loose forms. */
export const SECTION_KEYS = {
  node: ['type', 'name', 'zone', 'shutdownGraceSeconds'],
  network: ['bindAddress', 'port'],
  database: ['url'],
  api: [
    'requireAuth',
    'tokens',
    'allowedOrigins',
    'maxBodyBytes',
    'docs',
    'publicUrl',
    'secureCookies',
    'sessions',
    'authThrottle',
    'cache',
    'rateLimit',
    'maxInFlight',
    'trustProxy',
  ],
  handlers: [
    'bind',
    'modules',
    'localConcurrency',
    'secretKeyFile',
    'secretKey',
    'clientKeys',
    'heartbeatSeconds',
    'missedHeartbeats',
    'noHandlerWaitSeconds',
  ],
  replication: [
    'zones',
    'master',
    'masters',
    'serverKey',
    'serverKeyFile',
    'kinds',
    'zone',
    'retention',
    'heartbeatMs',
  ],
  worker: [
    'master',
    'masters',
    'serverKey',
    'serverKeyFile',
    'id',
    'zone',
    'modules',
    'capacity',
    'tags',
    'abortGraceSeconds',
  ],
  security: ['secretKeyFile', 'secretKey', 'publicKeyFile', 'publicKey', 'allowPlaintext'],
  governors: ['rate', 'concurrency', 'perTask', 'handler', 'perHandler', 'queueLimit'],
  logging: ['level', 'pretty', 'eventLog'],
  cluster: ['heartbeatMs', 'deadAfterMs'],
} as const;

export function isDatabaseUrl(url: string): boolean {
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

/** `sqlite:` paths are files: relative ones become absolute against `resolvePath`. */
export function resolveDatabaseUrl(url: string, resolvePath: (path: string) => string): string {
  if (url === 'sqlite::memory:' || !url.startsWith('sqlite:')) return url;
  // `sqlite:///abs/path` and `sqlite://rel/path` are spellings of `sqlite:/abs/path` and `sqlite:rel/path`.
  return `sqlite:${resolvePath(url.slice('sqlite:'.length).replace(/^\/\//, ''))}`;
}

/** The prefix of every override variable: SCHEDULEZERO_<SECTION>__<KEY>. */
export const ENV_PREFIX = 'SCHEDULEZERO_';

/** Short names for the settings set most often from the environment (nodes with an HTTP API). */
export const HTTP_NODE_SHORTHANDS = {
  SCHEDULEZERO_API_TOKEN: { path: ['api', 'tokens'], mode: 'append' },
  SCHEDULEZERO_DATABASE_URL: { path: ['database', 'url'] },
  SCHEDULEZERO_HTTP_PORT: { path: ['network', 'port'] },
} as const satisfies Readonly<Record<string, Shorthand>>;
