import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { migrationsFolder } from '../migrations-folder.ts';
import type { ReplicaSink } from '../ports/replica-sink.ts';
import type { MasterStore } from '../roles.ts';
import type { StoreOptions } from '../types.ts';
import { sqliteChangeFeed } from './change-feed.ts';
import { type Checkpointer, FALLBACK_AUTOCHECKPOINT_PAGES, startCheckpointer } from './checkpointer.ts';
import { type SqliteDb, sqliteContext, sqliteEpoch } from './context.ts';
import { sqliteFiringMethods } from './firing.ts';
import { sqliteHandlerMethods } from './handlers.ts';
import { sqliteJobQueueMethods } from './job-queue.ts';
import { sqliteJobMethods } from './jobs.ts';
import { sqliteReplicaSink } from './replica-sink.ts';
import { sqliteScheduleMethods } from './schedules.ts';

/** How long a statement waits for another connection's write lock before SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 5000;

/**
 * The SQLite store: one better-sqlite3 connection, WAL, migrated on open. `filename` is a path
 * (its directory is created) or `:memory:`.
 */
export function openSqliteStore(filename: string, options: StoreOptions = {}): MasterStore & ReplicaSink {
  if (filename !== ':memory:') mkdirSync(dirname(filename), { recursive: true });
  const client = new Database(filename);
  try {
    // WAL lets readers (API, replication tailer) run while the loop writes; NORMAL sync is
    // durable across process crashes in WAL mode, which is what a scheduler needs.
    client.pragma('journal_mode = WAL');
    client.pragma('synchronous = NORMAL');
    client.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    client.pragma('foreign_keys = ON');
    // 64 MiB of page cache (the default is 2 MiB): the jobs table and its indexes outgrow 2 MiB
    // within tens of thousands of jobs, and then every claim and finish re-reads pages.
    client.pragma('cache_size = -65536');
    cacheStatements(client);
    const db = drizzle({ client });
    migrateSqlite(db);
    const epoch = sqliteEpoch(db, randomBytes(16).toString('hex'));
    let checkpointer: Checkpointer | undefined;
    if (filename !== ':memory:') {
      client.pragma(`wal_autocheckpoint = ${FALLBACK_AUTOCHECKPOINT_PAGES}`);
      checkpointer = startCheckpointer(filename);
    }
    return createSqliteStore(db, client, epoch, options, checkpointer);
  } catch (error) {
    client.close();
    throw error;
  }
}

/** Statements kept compiled, by SQL text; the hot paths use a few dozen distinct texts. */
const STATEMENT_CACHE_SIZE = 1_000;

/**
 * Drizzle prepares every query it runs, and SQLite compiling the same SQL again and again was a
 * large share of the master's CPU (a job's claim, finish and planning each compile several
 * statements). A statement is reusable once a call on it has returned — drizzle runs them with
 * `run`/`get`/`all`, never `iterate` — so the same SQL text gets the same compiled statement.
 * Drizzle switches a statement to raw (array) rows for some reads, so a reused reader is switched
 * back first.
 */
function cacheStatements(client: Database.Database): void {
  const prepare = client.prepare.bind(client);
  const cache = new Map<string, Database.Statement>();
  client.prepare = ((source: string) => {
    const cached = cache.get(source);
    if (cached && !cached.busy) {
      if (cached.reader) cached.raw(false);
      return cached;
    }
    const statement = prepare(source);
    if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
    cache.set(source, statement);
    return statement;
  }) as Database.Database['prepare'];
}

function migrateSqlite(db: SqliteDb): void {
  const config = { migrationsFolder: migrationsFolder('sqlite') };
  try {
    migrate(db, config);
  } catch {
    // Two processes creating one file: the migrator reads the applied list before it takes the
    // write lock, so the slower one replays what the faster one committed. Read it again.
    migrate(db, config);
  }
}

function createSqliteStore(
  db: SqliteDb,
  client: Database.Database,
  epoch: string,
  options: StoreOptions,
  checkpointer: Checkpointer | undefined,
): MasterStore & ReplicaSink {
  const context = sqliteContext(db, epoch, options);
  return {
    dialect: 'sqlite',
    async ping() {
      db.run(sql`select 1`);
    },
    async close() {
      await checkpointer?.close();
      if (client.open) client.close();
    },
    ...sqliteScheduleMethods(context),
    ...sqliteFiringMethods(context),
    ...sqliteJobMethods(context),
    ...sqliteJobQueueMethods(context),
    ...sqliteChangeFeed(context),
    ...sqliteReplicaSink(context),
    ...sqliteHandlerMethods(context),
  };
}
