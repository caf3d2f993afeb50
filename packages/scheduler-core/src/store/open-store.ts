import { parseDatabaseUrl } from './database-url.ts';
import { openPostgresStore } from './pg/store.ts';
import type { ReplicaSink } from './ports/replica-sink.ts';
import type { MasterStore, ReplicaStore } from './roles.ts';
import { openSqliteStore } from './sqlite/store.ts';
import type { StoreOptions } from './types.ts';

/**
 * Opens the master's store on the database `url` names and migrates it: `sqlite:PATH`,
 * `sqlite::memory:` or `postgres://user@host:port/db`. Throws a `validation` SchedulerError for
 * any other URL, and the driver's error when the database cannot be reached or migrated.
 */
export function openStore(url: string, options: StoreOptions = {}): Promise<MasterStore> {
  return openDatabase(url, options);
}

/**
 * Opens a replica's store, as `openStore` does: the same database layout, seen through the reads
 * and the replica sink only (a replica's writes never reach a change log, so it takes no options).
 */
export function openReplicaStore(url: string): Promise<ReplicaStore> {
  return openDatabase(url, {});
}

/** Either dialect implements every port; the role a caller opens decides which of them it sees. */
async function openDatabase(url: string, options: StoreOptions): Promise<MasterStore & ReplicaSink> {
  const target = parseDatabaseUrl(url);
  return target.dialect === 'sqlite'
    ? openSqliteStore(target.filename, options)
    : openPostgresStore(target.url, options);
}
