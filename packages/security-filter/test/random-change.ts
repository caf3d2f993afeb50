import type { HandlerRecord, Job, Schedule } from '@schedulezero/protocol';
import type { ChangeInput } from '../src/zone-policy.ts';

/**
 * A small seeded generator of changes for property tests: every entity carries unknown fields at
 * every typed level, and its free-form JSON (args, metadata, results) hides secrets under
 * sensitive-looking keys at random depths. Secrets are the canary strings below, so a leak is a
 * substring search over the serialized output.
 */
export const SECRET_CANARY = 'canary-secret-5d1f';
export const UNKNOWN_CANARY = 'canary-unknown-8a2c';
export const ERROR_TEXT_CANARY = 'canary-error-text-44e0';

export interface Random {
  next(): number;
  int(below: number): number;
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
}

/** mulberry32: tiny, fast and reproducible from a seed printed with a failure. */
export function createRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (below: number): number => Math.floor(next() * below);
  return {
    next,
    int,
    pick: (items) => items[int(items.length)] as (typeof items)[number],
    chance: (p) => next() < p,
  };
}

/** Keys the default patterns must catch, in the spellings people use. */
export const SENSITIVE_KEYS = [
  'password',
  'Password',
  'db_passwd',
  'apiKey',
  'API_KEY',
  'x-api-key',
  'stripe.api.key',
  'authToken',
  'access_token',
  'Authorization',
  'webhookUrl',
  'webhook_url',
  'privateKey',
  'private-key',
  'clientSecret',
  'credentials',
  'awsCredential',
] as const;

/** Keys no default pattern matches. */
export const PLAIN_KEYS = [
  'region',
  'count',
  'name',
  'owner',
  'team',
  'items',
  'url',
  'note',
  'level',
  'key',
  'user',
];

function randomScalar(random: Random): unknown {
  switch (random.int(5)) {
    case 0:
      return random.int(1000);
    case 1:
      return `value-${random.int(100)}`;
    case 2:
      return random.chance(0.5);
    case 3:
      return null;
    default:
      return random.next() * 10;
  }
}

/** A secret in one of several shapes: a whole subtree under a sensitive key must go. */
function randomSecret(random: Random): unknown {
  switch (random.int(4)) {
    case 0:
      return SECRET_CANARY;
    case 1:
      return { value: SECRET_CANARY, [random.pick(PLAIN_KEYS)]: SECRET_CANARY };
    case 2:
      return [SECRET_CANARY, { inner: SECRET_CANARY }];
    default:
      return `Bearer ${SECRET_CANARY}`;
  }
}

export function randomJson(random: Random, depth = 0): unknown {
  if (depth > 4 || random.chance(0.25)) return randomScalar(random);
  if (random.chance(0.3)) {
    return Array.from({ length: random.int(4) }, () => randomJson(random, depth + 1));
  }
  const out: Record<string, unknown> = {};
  const size = 1 + random.int(4);
  for (let i = 0; i < size; i++) {
    if (random.chance(0.3)) out[random.pick(SENSITIVE_KEYS)] = randomSecret(random);
    else
      out[`${random.pick(PLAIN_KEYS)}${random.chance(0.3) ? random.int(10) : ''}`] = randomJson(
        random,
        depth + 1,
      );
  }
  return out;
}

/** An object of free-form JSON that surely holds a secret somewhere. */
function randomRecordWithSecret(random: Random): Record<string, unknown> {
  const base = randomJson(random);
  const record: Record<string, unknown> =
    typeof base === 'object' && base !== null && !Array.isArray(base)
      ? (base as Record<string, unknown>)
      : {};
  record.nested = { deeper: { [random.pick(SENSITIVE_KEYS)]: randomSecret(random) } };
  return record;
}

function randomArgs(random: Random): unknown {
  return random.chance(0.3)
    ? [randomJson(random), { password: SECRET_CANARY }]
    : randomRecordWithSecret(random);
}

/** Adds 1-3 fields no projection knows, holding the unknown canary. */
function withUnknown<T extends object>(random: Random, value: T): T {
  const names = ['internalNote', '_debug', 'shadowCopy', 'webhookUrl', 'rawConfig', 'extra'];
  const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  for (let i = 0; i <= random.int(3); i++) {
    out[`${random.pick(names)}${i}`] = random.chance(0.5) ? UNKNOWN_CANARY : { deep: UNKNOWN_CANARY };
  }
  return out as T;
}

const date = (random: Random): Date =>
  new Date(Date.UTC(2026, random.int(12), 1 + random.int(28), random.int(24)));

function randomTrigger(random: Random): Schedule['trigger'] {
  switch (random.int(3)) {
    case 0:
      return withUnknown(random, { type: 'cron', expression: '*/5 * * * *', timezone: 'Europe/Berlin' });
    case 1:
      return withUnknown(random, { type: 'interval', seconds: 30, jitterSeconds: 2 });
    default:
      return withUnknown(random, { type: 'date', at: '2026-03-01T09:00:00Z' });
  }
}

export function randomSchedule(random: Random): Schedule {
  return withUnknown(random, {
    id: `s-${random.int(1e6)}`,
    task: 'send_report',
    trigger: randomTrigger(random),
    args: randomArgs(random) as Schedule['args'],
    metadata: randomRecordWithSecret(random),
    paused: random.chance(0.5),
    misfireGraceSeconds: 60,
    coalesce: 'latest',
    maxInstances: 1,
    retry: withUnknown(random, { maxAttempts: 3, backoffMs: 1000, backoffFactor: 2 }),
    timeoutSeconds: 300,
    target: withUnknown(random, { zone: 'eu', tags: ['gpu'], affinityKey: 'k1' }),
    nextRunAt: random.chance(0.8) ? date(random) : null,
    lastRunAt: random.chance(0.5) ? date(random) : null,
    createdAt: date(random),
    updatedAt: date(random),
    version: 1 + random.int(20),
  });
}

export function randomJob(random: Random): Job {
  const failed = random.chance(0.5);
  return withUnknown(random, {
    id: `j-${random.int(1e6)}`,
    scheduleId: `s-${random.int(1e6)}`,
    task: 'send_report',
    args: randomArgs(random),
    source: random.pick(['schedule', 'manual'] as const),
    scheduledAt: date(random),
    status: failed ? 'failed' : 'succeeded',
    attempt: 1 + random.int(3),
    maxAttempts: 3,
    retry: withUnknown(random, { maxAttempts: 3, backoffMs: 1000, backoffFactor: 2 }),
    timeoutSeconds: 300,
    target: withUnknown(random, { tags: [] }),
    notBefore: date(random),
    handlerId: `handler-${random.int(100)}`,
    startedAt: date(random),
    finishedAt: date(random),
    durationMs: random.int(10_000),
    result: failed ? null : randomRecordWithSecret(random),
    error: failed
      ? withUnknown(random, { code: 'handler_error', message: `boom ${ERROR_TEXT_CANARY}` })
      : null,
    missedCount: null,
    missedUntil: null,
    createdAt: date(random),
    updatedAt: date(random),
  });
}

export function randomHandler(random: Random): HandlerRecord {
  return withUnknown(random, {
    id: `handler-${random.int(100)}`,
    methods: ['send_report', 'sync'],
    zone: 'eu',
    tags: ['gpu'],
    capacity: 10,
    status: 'healthy',
    lastSeenAt: date(random),
    activeJobs: random.int(5),
    successCount: random.int(100),
    failureCount: random.int(10),
    avgDurationMs: random.int(500),
    registeredAt: date(random),
  });
}

export function randomChange(random: Random, kind: ChangeInput['kind']): ChangeInput {
  switch (kind) {
    case 'schedule':
      return { kind, op: random.pick(['created', 'updated', 'deleted']), schedule: randomSchedule(random) };
    case 'job':
      return { kind, op: 'executed', job: randomJob(random) };
    case 'handler':
      return { kind, op: random.pick(['registered', 'updated', 'offline']), handler: randomHandler(random) };
  }
}
