import { isoInstantSchema } from '@schedulezero/protocol';

/**
 * Milliseconds since the epoch of an ISO-8601 instant with an offset, or NaN. The wire schema is
 * checked first because `Date.parse` alone is lenient: it rolls `2026-02-30` over to March and
 * reads offset-less strings in the host's local time.
 */
export function parseInstant(value: string): number {
  return isoInstantSchema.safeParse(value).success ? Date.parse(value) : Number.NaN;
}

export function isValidDate(value: unknown): value is Date {
  return value instanceof Date && !Number.isNaN(value.getTime());
}
