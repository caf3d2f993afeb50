import { SchedulerError } from '../errors.ts';

/**
 * Page cursors: base64url JSON of the last item's sort key. Opaque to clients; a cursor that does
 * not decode is a client error (`validation`), never a 500.
 */

export interface ScheduleCursor {
  id: string;
}

/** A job's position in the newest-first history order. */
export interface JobCursor {
  scheduledAt: Date;
  id: string;
}

export function encodeScheduleCursor(cursor: ScheduleCursor): string {
  return encode([cursor.id]);
}

export function decodeScheduleCursor(text: string): ScheduleCursor {
  const value = decode(text);
  const [id] = value;
  if (value.length !== 1 || typeof id !== 'string') throw invalidCursor();
  return { id };
}

export function encodeJobCursor(cursor: JobCursor): string {
  return encode([cursor.scheduledAt.getTime(), cursor.id]);
}

export function decodeJobCursor(text: string): JobCursor {
  const value = decode(text);
  const [at, id] = value;
  if (value.length !== 2 || typeof at !== 'number' || typeof id !== 'string') throw invalidCursor();
  const scheduledAt = new Date(at);
  // Only instants a Date can hold (±8.64e15 ms) with whole milliseconds came from this server.
  if (!Number.isInteger(at) || Number.isNaN(scheduledAt.getTime())) throw invalidCursor();
  return { scheduledAt, id };
}

function encode(value: unknown[]): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function decode(text: string): unknown[] {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (Array.isArray(value)) return value;
  } catch {
    // Reported below as one error, whatever the defect.
  }
  throw invalidCursor();
}

function invalidCursor(): SchedulerError {
  return new SchedulerError(
    'validation',
    'cursor is not valid; pass back the nextCursor of a previous page',
    {
      details: [{ path: 'cursor', message: 'not a cursor this server issued' }],
    },
  );
}

/** Builds a page from up to `limit + 1` rows: the extra row only says that there is more. */
export function toPage<T>(
  rows: T[],
  limit: number,
  cursorOf: (item: T) => string,
): { items: T[]; nextCursor: string | null } {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > limit && last !== undefined ? cursorOf(last) : null };
}
