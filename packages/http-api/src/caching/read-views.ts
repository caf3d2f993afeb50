import {
  handlerJsonSchema,
  jobJsonSchema,
  scheduleJsonSchema,
  zoneHandlerJsonSchema,
  zoneJobJsonSchema,
  zoneScheduleJsonSchema,
} from '@schedulezero/protocol';
import type { z } from 'zod';

/**
 * How the read routes show schedules, jobs and handlers. The master shows its rows whole. A
 * replica stores what its zone's projection left, with the fields it did not receive filled by
 * empty placeholders ('' for an enum, 0 for a positive count); it shows only the fields whose
 * value is a real one (valid for the master's schema of that field), and documents the others as
 * optional, so that what it answers matches its own OpenAPI document.
 */
export interface ReadViews {
  schedule: z.ZodType;
  job: z.ZodType;
  handler: z.ZodType;
  show(kind: 'schedule' | 'job' | 'handler', row: object): Record<string, unknown>;
}

export const wholeRows: ReadViews = {
  schedule: scheduleJsonSchema,
  job: jobJsonSchema,
  handler: handlerJsonSchema,
  show: (_kind, row) => row as Record<string, unknown>,
};

const SHAPES = {
  schedule: scheduleJsonSchema.shape,
  job: jobJsonSchema.shape,
  handler: handlerJsonSchema.shape,
};

export const zoneRows: ReadViews = {
  schedule: zoneScheduleJsonSchema,
  job: zoneJobJsonSchema,
  handler: zoneHandlerJsonSchema,
  show(kind, row) {
    const shape: Record<string, z.ZodType> = SHAPES[kind];
    const shown: Record<string, unknown> = {};
    for (const key in row) {
      const value = asJson((row as Record<string, unknown>)[key]);
      if (value === undefined) continue;
      const schema = shape[key];
      if (key === 'id' || (schema !== undefined && isReal(kind, key, schema, value))) shown[key] = value;
    }
    return shown;
  },
};

/** The verdicts on empty values, by kind, field and empty value: the same for every row. */
const emptyVerdicts = new Map<string, boolean>();
const EPOCH_ISO = new Date(0).toISOString();

/**
 * Whether `value` is valid for the master's schema of the field. The empty values the replica
 * stores for what its zone did not receive ('' , 0, false, null, {}, [], the Unix epoch) come
 * back in every row, and zod's verdict on one costs as much as building the error that says why
 * it fails (several µs a field): it is asked once per field and empty value, then remembered.
 */
function isReal(kind: string, key: string, schema: z.ZodType, value: unknown): boolean {
  const empty = emptyToken(value);
  if (empty === undefined) return schema.safeParse(value).success;
  const memo = `${kind}.${key}.${empty}`;
  let verdict = emptyVerdicts.get(memo);
  if (verdict === undefined) {
    verdict = schema.safeParse(value).success;
    emptyVerdicts.set(memo, verdict);
  }
  return verdict;
}

/** A name for an empty value (two values with one name are equal as JSON); undefined for any other value. */
function emptyToken(value: unknown): string | undefined {
  if (value === '' || value === 0 || value === false || value === null) return String(JSON.stringify(value));
  if (value === EPOCH_ISO) return 'epoch';
  if (Array.isArray(value)) return value.length === 0 ? '[]' : undefined;
  if (
    typeof value === 'object' &&
    Object.getPrototypeOf(value) === Object.prototype &&
    Object.keys(value).length === 0
  )
    return '{}';
  return undefined;
}

/**
 * A row's field as the client will read it, i.e. as `JSON.stringify` writes it: instants as ISO
 * strings, a non-finite number as null, undefined left out. Only the top level needs it: nested
 * values come from JSON columns and are JSON already (this saves a JSON round trip per row).
 */
function asJson(value: unknown): unknown {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (typeof value === 'number' && !Number.isFinite(value)) return null;
  return value;
}
