import { describe, expect, it } from 'vitest';
import {
  type ChangeInput,
  createZonePolicy,
  type ProjectedChange,
  type ZonePolicy,
} from '../src/zone-policy.ts';
import {
  createRandom,
  ERROR_TEXT_CANARY,
  randomChange,
  SECRET_CANARY,
  UNKNOWN_CANARY,
} from './random-change.ts';

/**
 * Property tests over every event kind and every built-in policy: random entities with unknown
 * fields at every typed level and secrets hidden under sensitive keys at random depths. Each run
 * is reproducible from the seed printed with a failure.
 */

const RUNS = 250;
const KINDS: ChangeInput['kind'][] = ['schedule', 'job', 'handler'];

interface Shape {
  keys: readonly string[];
  /** Typed nested objects, checked the same way. Fields absent here are free-form or scalars. */
  nested?: Readonly<Record<string, Shape>>;
}

// Written out from the protocol model and the security brief, independently of the policy code.
const TRIGGER: Shape = {
  keys: ['type', 'expression', 'timezone', 'seconds', 'startAt', 'endAt', 'jitterSeconds', 'at'],
};
const RETRY: Shape = { keys: ['maxAttempts', 'backoffMs', 'backoffFactor'] };
const TARGET: Shape = { keys: ['zone', 'tags', 'affinityKey'] };
const FULL: Record<ChangeInput['kind'], Shape> = {
  schedule: {
    keys: [
      'id',
      'task',
      'trigger',
      'args',
      'metadata',
      'paused',
      'misfireGraceSeconds',
      'coalesce',
      'maxInstances',
      'retry',
      'timeoutSeconds',
      'target',
      'nextRunAt',
      'lastRunAt',
      'createdAt',
      'updatedAt',
      'version',
    ],
    nested: { trigger: TRIGGER, retry: RETRY, target: TARGET },
  },
  job: {
    keys: [
      'id',
      'scheduleId',
      'task',
      'args',
      'source',
      'scheduledAt',
      'status',
      'attempt',
      'maxAttempts',
      'retry',
      'timeoutSeconds',
      'target',
      'notBefore',
      'handlerId',
      'startedAt',
      'finishedAt',
      'durationMs',
      'result',
      'error',
      'missedCount',
      'missedUntil',
      'createdAt',
      'updatedAt',
    ],
    nested: { retry: RETRY, target: TARGET, error: { keys: ['code', 'message'] } },
  },
  handler: {
    keys: [
      'id',
      'methods',
      'zone',
      'tags',
      'capacity',
      'status',
      'lastSeenAt',
      'activeJobs',
      'successCount',
      'failureCount',
      'avgDurationMs',
      'registeredAt',
    ],
  },
};
const PUBLIC_SCHEDULE = [
  'id',
  'task',
  'trigger',
  'paused',
  'nextRunAt',
  'lastRunAt',
  'createdAt',
  'updatedAt',
  'version',
];
const PUBLIC_JOB = [
  'id',
  'scheduleId',
  'task',
  'status',
  'scheduledAt',
  'startedAt',
  'finishedAt',
  'durationMs',
  'attempt',
  'error',
];

const PATTERNS = [
  'apikey',
  'token',
  'password',
  'passwd',
  'secret',
  'webhookurl',
  'authorization',
  'privatekey',
  'credential',
];
const looksSensitive = (key: string): boolean => {
  const normalized = key.toLowerCase().replace(/[-_. ]/g, '');
  return PATTERNS.some((pattern) => normalized.includes(pattern));
};

/** The expected result of scrubbing, written plainly: same structure, sensitive keys gone. */
function scrubbed(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(scrubbed);
  if (value === null || typeof value !== 'object' || value instanceof Date) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => !looksSensitive(key))
      .map(([key, item]) => [key, scrubbed(item)]),
  );
}

function objectsIn(value: unknown, found = new Set<object>()): Set<object> {
  if (value !== null && typeof value === 'object') {
    found.add(value);
    for (const item of Object.values(value)) objectsIn(item, found);
  }
  return found;
}

function allKeys(value: unknown, keys: string[] = []): string[] {
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    for (const [key, item] of Object.entries(value)) {
      if (!Array.isArray(value)) keys.push(key);
      allKeys(item, keys);
    }
  }
  return keys;
}

function expectShape(value: unknown, shape: Shape, path: string): void {
  if (value === null || typeof value !== 'object') return;
  for (const key of Object.keys(value)) {
    expect(shape.keys, `unexpected field ${path}.${key}`).toContain(key);
  }
  for (const [key, nested] of Object.entries(shape.nested ?? {})) {
    expectShape((value as Record<string, unknown>)[key], nested, `${path}.${key}`);
  }
}

function entityOf(change: ChangeInput | ProjectedChange): Record<string, unknown> {
  return (change as unknown as Record<string, Record<string, unknown>>)[change.kind] ?? {};
}

/** Runs `check` over RUNS random changes of every kind, naming the seed of a failure. */
function forEachChange(check: (change: ChangeInput, seed: number) => void): void {
  for (const kind of KINDS) {
    for (let run = 0; run < RUNS; run++) {
      const seed = 0x5eed0000 + run * 7 + KINDS.indexOf(kind);
      const change = randomChange(createRandom(seed), kind);
      try {
        check(change, seed);
      } catch (error) {
        throw new Error(`${kind} change from seed ${seed}: ${(error as Error).message}`, { cause: error });
      }
    }
  }
}

/** Properties every policy keeps, whatever it lets through. */
function projectChecked(policy: ZonePolicy, change: ChangeInput): ProjectedChange | null {
  const before = structuredClone(change);
  const out = policy.project(change);
  expect(change, 'the input was modified').toEqual(before);
  if (out === null) return null;
  expect(out.kind).toBe(change.kind);
  expect(out.op).toBe(change.op);
  const text = JSON.stringify(out);
  expect(text, 'an unknown field passed').not.toContain(UNKNOWN_CANARY);
  const shared = objectsIn(change);
  for (const object of objectsIn(out))
    expect(shared.has(object), 'output shares an object with input').toBe(false);
  return out;
}

describe('zone projections (property)', () => {
  it('admin: every known field, secrets included; unknown fields never', () => {
    const admin = createZonePolicy('admin');
    forEachChange((change) => {
      const out = projectChecked(admin, change);
      expect(out).not.toBeNull();
      const entity = entityOf(change);
      const projected = entityOf(out as ProjectedChange);
      expectShape(projected, FULL[change.kind], change.kind);
      for (const key of FULL[change.kind].keys) {
        if (key in entity && !FULL[change.kind].nested?.[key]) expect(projected[key]).toEqual(entity[key]);
      }
      if (change.kind !== 'handler') expect(JSON.stringify(out)).toContain(SECRET_CANARY);
    });
  });

  it('regional: schedules and jobs in full structure without sensitive keys; no handler events', () => {
    const regional = createZonePolicy('regional');
    forEachChange((change) => {
      const out = projectChecked(regional, change);
      if (change.kind === 'handler') {
        expect(out).toBeNull();
        return;
      }
      const text = JSON.stringify(out);
      expect(text).not.toContain(SECRET_CANARY);
      expect(allKeys(out).filter(looksSensitive)).toEqual([]);
      const entity = entityOf(change);
      const projected = entityOf(out as ProjectedChange);
      expectShape(projected, FULL[change.kind], change.kind);
      for (const field of ['args', 'metadata', 'result'] as const) {
        if (field in entity) expect(projected[field]).toEqual(scrubbed(entity[field]));
      }
      if (change.kind === 'job' && change.job.error) expect(text).toContain(ERROR_TEXT_CANARY);
    });
  });

  it('dmz: the public projection only — no args, results, error texts, handler ids or metadata', () => {
    const dmz = createZonePolicy('dmz');
    forEachChange((change) => {
      const out = projectChecked(dmz, change);
      if (change.kind === 'handler') {
        expect(out).toBeNull();
        return;
      }
      const text = JSON.stringify(out);
      expect(text).not.toContain(SECRET_CANARY);
      expect(text).not.toContain(ERROR_TEXT_CANARY);
      expect(text).not.toContain('handler-');
      const projected = entityOf(out as ProjectedChange);
      if (change.kind === 'schedule') {
        expectShape(projected, { keys: PUBLIC_SCHEDULE, nested: { trigger: TRIGGER } }, 'schedule');
      } else {
        expectShape(projected, { keys: PUBLIC_JOB, nested: { error: { keys: ['code'] } } }, 'job');
        if (change.job.error) expect(projected.error).toEqual({ code: change.job.error.code });
      }
      for (const key of Object.keys(projected)) {
        if (key !== 'trigger' && key !== 'error') expect(projected[key]).toEqual(entityOf(change)[key]);
      }
    });
  });

  it('dmz with allow-lists: only the listed top-level keys pass, and sensitive ones never', () => {
    const partner = createZonePolicy({
      extends: 'dmz',
      metadataAllow: ['team', 'nested', 'owner', 'token'],
      argsAllow: ['region', 'nested', 'password'],
      resultAllow: ['count', 'nested'],
    });
    forEachChange((change) => {
      const out = projectChecked(partner, change);
      if (change.kind === 'handler') {
        expect(out).toBeNull();
        return;
      }
      expect(JSON.stringify(out)).not.toContain(SECRET_CANARY);
      expect(allKeys(out).filter(looksSensitive)).toEqual([]);
      const entity = entityOf(change);
      const projected = entityOf(out as ProjectedChange);
      const lists = {
        metadata: ['team', 'nested', 'owner'],
        args: ['region', 'nested'],
        result: ['count', 'nested'],
      };
      for (const [field, allowed] of Object.entries(lists)) {
        const source = entity[field];
        if (source === null || typeof source !== 'object' || Array.isArray(source)) {
          expect(projected[field]).toBeUndefined();
          continue;
        }
        const expected = Object.fromEntries(
          Object.entries(source)
            .filter(([key]) => allowed.includes(key))
            .map(([key, value]) => [key, scrubbed(value)]),
        );
        expect(projected[field]).toEqual(expected);
      }
    });
  });
});
