import type { Job } from '@schedulezero/protocol';
import type { Change } from './types.ts';

/** What a write's work hands to the write path: its result and the changes to log with it. */
export interface Written<T> {
  value: T;
  changes: Change[];
  /** The write can make work due now (a schedule armed, a job pending): wake the other masters. */
  wakes?: boolean;
}

export function ok<T>(value: T): { ok: true; value: T } {
  return { ok: true, value };
}

export function fail<const R extends string>(reason: R): { ok: false; reason: R } {
  return { ok: false, reason };
}

/** Jobs sent back for another attempt can run on any master: wake them. */
export function wakesFor(jobs: readonly Job[]): boolean {
  return jobs.some((job) => job.status === 'pending');
}

/** A write that changed nothing worth logging (a refused outcome, a claim). */
export function unlogged<T>(value: T): Written<T> {
  return { value, changes: [] };
}

/** `RETURNING` of a row this transaction just read or locked: absence is a broken invariant. */
export function expectRow<T>(row: T | undefined, what: string): T {
  if (row === undefined) throw new Error(`store invariant broken: ${what} returned no row`);
  return row;
}
