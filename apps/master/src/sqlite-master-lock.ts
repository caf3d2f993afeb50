import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, resolve } from 'node:path';

/**
 * SQLite is single-master: the file has no registry or lease a second master could coordinate
 * through, so two masters on one file would both fire every schedule. The first master holds a
 * lock file beside the database (`<file>.master-lock`, naming its pid and host) for its whole
 * life; a second one is refused. A lock left by a process that is gone (kill -9, a crash) is taken
 * over, never obeyed.
 */

export interface SqliteMasterLock {
  readonly path: string;
  /** Removes the lock file if it is still this process's. */
  release(): void;
}

export type LockOutcome = { ok: true; lock: SqliteMasterLock } | { ok: false; problem: string };

interface Holder {
  pid: number;
  host: string;
  since: string;
  token: string;
}

/** Tries a few times: each round either takes the lock, is refused, or clears a stale lock. */
const ATTEMPTS = 5;

export function lockSqliteForMaster(filename: string): LockOutcome {
  const path = `${resolve(filename)}.master-lock`;
  const mine: Holder = {
    pid: process.pid,
    host: hostname(),
    since: new Date().toISOString(),
    token: randomBytes(8).toString('hex'),
  };
  const text = JSON.stringify(mine);
  mkdirSync(dirname(path), { recursive: true });
  for (let attempt = 0; attempt < ATTEMPTS; attempt += 1) {
    if (tryCreate(path, text)) return { ok: true, lock: { path, release: () => release(path, text) } };
    const seen = readText(path);
    if (seen === undefined) continue; // released meanwhile: try again
    const holder = parseHolder(seen);
    if (holder && holder.host !== mine.host) return { ok: false, problem: refusal(filename, path, holder) };
    if (holder && isAlive(holder.pid)) return { ok: false, problem: refusal(filename, path, holder) };
    clearStale(path, seen);
  }
  return { ok: false, problem: `could not take the master lock ${path}: it keeps changing hands` };
}

function refusal(filename: string, path: string, holder: Holder): string {
  const where = holder.host === hostname() ? `pid ${holder.pid}` : `pid ${holder.pid} on host ${holder.host}`;
  return (
    `database.url sqlite:${filename} is in use by another master (${where}, since ${holder.since}; lock file ${path}). ` +
    'SQLite allows one master per database file: stop the other master, or use PostgreSQL to run several masters' +
    (holder.host === hostname() ? '' : ` (if that master is gone, delete ${path})`)
  );
}

/** Creates the lock with its content in one step (link of a written file), so no reader sees it empty. */
function tryCreate(path: string, text: string): boolean {
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(temporary, text);
  try {
    linkSync(temporary, path);
    return true;
  } catch (error) {
    if (errorCode(error) === 'EEXIST') return false;
    throw error;
  } finally {
    unlinkSync(temporary);
  }
}

/**
 * Moves the stale lock aside and removes it. Two masters may clear the same stale lock at once:
 * the one whose rename caught a lock other than the stale one it read (the other's fresh lock)
 * puts it back.
 */
function clearStale(path: string, staleText: string): void {
  const aside = `${path}.stale.${process.pid}.${randomBytes(4).toString('hex')}`;
  try {
    renameSync(path, aside);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return;
    throw error;
  }
  const moved = readText(aside);
  if (moved !== undefined && moved !== staleText) {
    try {
      linkSync(aside, path);
    } catch (error) {
      if (errorCode(error) !== 'EEXIST') throw error;
    }
  }
  unlinkSync(aside);
}

function release(path: string, text: string): void {
  if (readText(path) === text) unlinkSync(path);
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined;
    throw error;
  }
}

/** Undefined for a file that is not a lock this code wrote: it is treated as stale. */
function parseHolder(text: string): Holder | undefined {
  try {
    const value = JSON.parse(text) as Partial<Holder>;
    if (typeof value.pid === 'number' && typeof value.host === 'string' && typeof value.since === 'string')
      return { pid: value.pid, host: value.host, since: value.since, token: String(value.token) };
  } catch {
    // Not JSON.
  }
  return undefined;
}

/** Signal 0 checks that the process exists; EPERM means it exists under another user. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errorCode(error) === 'EPERM';
  }
}

function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : undefined;
}
