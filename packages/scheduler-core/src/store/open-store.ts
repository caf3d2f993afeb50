import { parseDatabaseUrl } from './database-url.ts';
import { openPostgresStore } from './pg/store.ts';
import { openSqliteStore } from './sqlite/store.ts';
import type { Store, StoreOptions } from './types.ts';

/**
 * Opens the store `url` names and migrates its database: `sqlite:PATH`, `sqlite::memory:` or
 * `postgres://user@host:port/db`. Throws a `validation` SchedulerError for any other URL, and
 * the driver's error when the database cannot be reached or migrated.
 */
export async function openStore(url: string, options: StoreOptions = {}): Promise<Store> {
  const target = parseDatabaseUrl(url);
  return target.dialect === 'sqlite'
    ? openSqliteStore(target.filename, options)
    : openPostgresStore(target.url, options);
}
