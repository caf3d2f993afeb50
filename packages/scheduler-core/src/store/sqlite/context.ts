import { eq, sql } from 'drizzle-orm';
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { notifyCommit, numberRecords, projectChanges, type ZoneBatch } from '../change-records.ts';
import { expectRow, type Written } from '../outcome.ts';
import type { ChangeProjector, StoreOptions } from '../types.ts';
import { bound, columnEncoder, rowPlaceholders } from './prepared.ts';
import { changelog, meta, streamHeads } from './schema.ts';

export type SqliteDb = BetterSQLite3Database;
export type SqliteTx = Parameters<Parameters<SqliteDb['transaction']>[0]>[0];

/** What the SQLite method groups share: the database and its one write path. */
export interface SqliteContext {
  db: SqliteDb;
  epoch: string;
  projector: ChangeProjector | undefined;
  /**
   * Runs `work` in one `BEGIN IMMEDIATE` transaction and appends the change-log rows of the
   * changes it reports before committing. IMMEDIATE takes the write lock up front: a deferred
   * transaction that reads and then writes fails with SQLITE_BUSY instead of waiting.
   */
  write<T>(work: (tx: SqliteTx) => Written<T>): T;
}

export function sqliteContext(db: SqliteDb, epoch: string, options: StoreOptions): SqliteContext {
  const { projector, onCommit } = options;
  const appendChanges = changeLogStatements(db, epoch);
  return {
    db,
    epoch,
    projector,
    write: (work) => {
      let zones: string[] = [];
      const value = db.transaction(
        (tx) => {
          const { value, changes } = work(tx);
          const batches = projectChanges(projector, changes);
          const createdAt = new Date();
          for (const batch of batches) appendChanges(batch, createdAt);
          zones = batches.map((batch) => batch.zone);
          return value;
        },
        { behavior: 'immediate' },
      );
      if (zones.length > 0) notifyCommit(onCommit, zones);
      return value;
    },
  };
}

/**
 * Appends a zone's batch to the change log, inside the writing transaction: allocates its seqs
 * on the zone's head row, then inserts its rows. Both statements are prepared once (see
 * prepared.ts): every change the master makes passes here, and building a multi-row
 * INSERT through the query builder cost more than the schedule or job write it logs. One row per
 * statement costs no round trip on SQLite.
 */
function changeLogStatements(db: SqliteDb, epoch: string): (batch: ZoneBatch, createdAt: Date) => void {
  const allocate = db
    .insert(streamHeads)
    .values({ zone: bound('zone'), seq: bound('count') })
    .onConflictDoUpdate({
      target: streamHeads.zone,
      set: { seq: sql`${streamHeads.seq} + ${bound('count')}` },
    })
    .returning({ seq: streamHeads.seq })
    .prepare();
  const insert = db.insert(changelog).values(rowPlaceholders(changelog)).prepare();
  const encode = columnEncoder(changelog);
  return (batch, createdAt) => {
    const head = allocate.get({ zone: batch.zone, count: batch.records.length });
    for (const row of numberRecords(batch, expectRow(head, 'stream head upsert').seq, epoch, createdAt))
      insert.run(encode(row));
  };
}

/** The database's epoch: drawn once, on first open; a replaced database file gets a new one. */
export function sqliteEpoch(db: SqliteDb, fresh: string): string {
  db.insert(meta).values({ key: 'epoch', value: fresh }).onConflictDoNothing().run();
  return expectRow(db.select({ value: meta.value }).from(meta).where(eq(meta.key, 'epoch')).get(), 'epoch')
    .value;
}
