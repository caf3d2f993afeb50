/**
 * The instants the API can write. RFC 3339 (and so JSON Schema's `date-time`) has four-digit years:
 * `Date#toISOString` writes a later instant as `+010000-…`, which no client parses as a date-time.
 * So every instant a client sends, and every fire time the API answers, lies in years 0000-9999 (UTC).
 */
// Date.UTC reads years 0-99 as 1900-1999, so the first instant is parsed from its text.
export const FIRST_INSTANT_MS = Date.parse('0000-01-01T00:00:00Z');
export const LAST_INSTANT_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
export const LAST_INSTANT = '9999-12-31T23:59:59.999Z';

export function isWritableInstant(ms: number): boolean {
  return Number.isFinite(ms) && ms >= FIRST_INSTANT_MS && ms <= LAST_INSTANT_MS;
}

export const INSTANT_RANGE_MESSAGE = `must lie between 0000-01-01T00:00:00Z and ${LAST_INSTANT} once converted to UTC`;
