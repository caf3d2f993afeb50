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
      if (value !== undefined && (key === 'id' || shape[key]?.safeParse(value).success)) shown[key] = value;
    }
    return shown;
  },
};

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
