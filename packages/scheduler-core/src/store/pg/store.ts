import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { pgClusterStore } from '../../cluster/pg-cluster.ts';
import { migrationsFolder } from '../migrations-folder.ts';
import type { ReplicaSink } from '../ports/replica-sink.ts';
import type { MasterStore } from '../roles.ts';
import type { StoreOptions } from '../types.ts';
import { pgChangeFeed } from './change-feed.ts';
import { type PgDb, pgContext, pgEpoch } from './context.ts';
import { pgFiringMethods } from './firing.ts';
import { pgHandlerMethods } from './handlers.ts';
import { pgJobQueueMethods } from './job-queue.ts';
import { pgJobMethods } from './jobs.ts';
import { pgReplicaSink } from './replica-sink.ts';
import { pgScheduleMethods } from './schedules.ts';
import { listenWakes } from './wakeups.ts';

/** Connections per store; the loop, the API and the replication tailer share them. */
const POOL_SIZE = 10;

/** Serialises migrations of nodes that start at once on one database. */
const MIGRATION_LOCK_KEY = 'schedulezero.migrate';

/** The PostgreSQL store on a postgres.js pool, migrated on open. */
export async function openPostgresStore(
  url: string,
  options: StoreOptions = {},
): Promise<MasterStore & ReplicaSink> {
  await migratePostgres(url);
  // The server's NOTICEs (e.g. "relation already exists, skipping") are not ours to print.
  const idle = options.idleInTransactionTimeoutMs;
  const client = postgres(url, {
    max: POOL_SIZE,
    onnotice: () => {},
    ...(idle === undefined ? {} : { connection: { idle_in_transaction_session_timeout: Math.ceil(idle) } }),
  });
  try {
    const db = drizzle({ client });
    const epoch = await pgEpoch(db, randomBytes(16).toString('hex'));
    return createPgStore(client, db, epoch, options);
  } catch (error) {
    await client.end({ timeout: 1 });
    throw error;
  }
}

async function migratePostgres(url: string): Promise<void> {
  // One connection, so that the session advisory lock and the migration share it; a second
  // node waits here, then finds every migration applied.
  const client = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await client`select pg_advisory_lock(hashtext(${MIGRATION_LOCK_KEY}))`;
    await migrate(drizzle({ client }), { migrationsFolder: migrationsFolder('pg') });
    await client`select pg_advisory_unlock(hashtext(${MIGRATION_LOCK_KEY}))`;
  } finally {
    // Ending the session also drops the lock when the migration failed.
    await client.end({ timeout: 5 });
  }
}

function createPgStore(
  client: postgres.Sql,
  db: PgDb,
  epoch: string,
  options: StoreOptions,
): MasterStore & ReplicaSink {
  const sender = randomBytes(8).toString('hex');
  const context = pgContext(db, epoch, sender, options);
  const end = () => client.end({ timeout: 5 });
  let closing: Promise<void> | undefined;
  return {
    dialect: 'postgres',
    async ping() {
      await db.execute(sql`select 1`);
    },
    close() {
      closing ??= end();
      return closing;
    },
    ...pgScheduleMethods(context),
    ...pgFiringMethods(context),
    ...pgJobMethods(context),
    ...pgJobQueueMethods(context),
    ...pgChangeFeed(context),
    ...pgReplicaSink(context),
    ...pgHandlerMethods(context),
    cluster: { ...pgClusterStore(context), listenWakes: (onWake) => listenWakes(client, sender, onWake) },
  };
}
