import { randomBytes } from 'node:crypto';
import { and, asc, eq, gte, sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { pgClusterStore } from '../cluster/pg-cluster.ts';
import { handlerChange } from './change-records.ts';
import { migrationsFolder } from './migrations-folder.ts';
import { expectRow } from './outcome.ts';
import { type PgDb, pgContext, pgEpoch } from './pg-context.ts';
import { pgJobControlMethods } from './pg-job-control.ts';
import { pgJobMethods } from './pg-jobs.ts';
import { pgReplicationMethods } from './pg-replication.ts';
import { pgScheduleMethods } from './pg-schedules.ts';
import { listenWakes } from './pg-wakeups.ts';
import { toChangeRow, toHandler } from './row-mapping.ts';
import { changelog, handlers } from './schema-pg.ts';
import type { Store, StoreOptions } from './types.ts';

/** Connections per store; the loop, the API and the replication tailer share them. */
const POOL_SIZE = 10;

/** Serialises migrations of nodes that start at once on one database. */
const MIGRATION_LOCK_KEY = 'schedulezero.migrate';

/** The PostgreSQL store on a postgres.js pool, migrated on open. */
export async function openPostgresStore(url: string, options: StoreOptions = {}): Promise<Store> {
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

function createPgStore(client: postgres.Sql, db: PgDb, epoch: string, options: StoreOptions): Store {
  const sender = randomBytes(8).toString('hex');
  const context = pgContext(db, epoch, sender, options);
  const end = () => client.end({ timeout: 5 });
  const { write } = context;
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
    ...pgJobMethods(context),
    ...pgJobControlMethods(context),
    ...pgReplicationMethods(context),
    cluster: { ...pgClusterStore(context), listenWakes: (onWake) => listenWakes(client, sender, onWake) },

    async upsertHandler(handler, op) {
      const { id, ...fields } = toHandler(handler);
      return write(async (tx) => {
        const [row] = await tx
          .insert(handlers)
          .values({ id, ...fields })
          .onConflictDoUpdate({ target: handlers.id, set: fields })
          .returning();
        const stored = toHandler(expectRow(row, 'handler upsert'));
        return { value: stored, changes: [handlerChange(op, stored)] };
      });
    },

    async getHandler(id) {
      const [row] = await db.select().from(handlers).where(eq(handlers.id, id));
      return row && toHandler(row);
    },

    async listHandlers() {
      return (await db.select().from(handlers).orderBy(asc(handlers.id))).map(toHandler);
    },

    async readChanges(zone, fromSeq, limit) {
      const rows = await db
        .select()
        .from(changelog)
        .where(and(eq(changelog.zone, zone), gte(changelog.seq, fromSeq)))
        .orderBy(asc(changelog.seq))
        .limit(limit);
      return rows.map(toChangeRow);
    },
  };
}
