import { SchedulerError } from '../errors.ts';

/** Where a store lives, read from `database.url`. */
export type DatabaseTarget = { dialect: 'sqlite'; filename: string } | { dialect: 'postgres'; url: string };

const SUPPORTED = 'sqlite:PATH, sqlite::memory: or postgres://user@host:port/db';

/**
 * `sqlite:./data/master.db`, `sqlite:/var/lib/sz/master.db`, `sqlite::memory:`, and
 * `postgres://` or `postgresql://` URLs (handed to postgres.js as they are).
 */
export function parseDatabaseUrl(url: string): DatabaseTarget {
  if (/^postgres(ql)?:\/\//i.test(url)) return { dialect: 'postgres', url };
  const sqlite = /^sqlite:(.*)$/i.exec(url);
  if (sqlite) {
    // `sqlite:///abs/path` and `sqlite://rel/path` are common spellings of the same thing.
    const filename = (sqlite[1] ?? '').replace(/^\/\//, '');
    if (filename.length > 0) return { dialect: 'sqlite', filename };
  }
  throw new SchedulerError('validation', `Unsupported database URL "${redact(url)}": use ${SUPPORTED}`, {
    details: [{ path: 'database.url', message: `expected ${SUPPORTED}` }],
  });
}

/** The URL as it may appear in an error message: without a password. */
function redact(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*):[^@/]*@/i, '$1:***@');
}
