import { eq, sql } from 'drizzle-orm';
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { chunks, notifyCommit, numberRecords, projectChanges } from './change-records.ts';
import { expectRow, type Written } from './outcome.ts';
import { changelog, meta, streamHeads } from './schema-sqlite.ts';
import type { ChangeProjector, StoreOptions } from './types.ts';

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
          for (const batch of batches) {
            const head = tx
              .insert(streamHeads)
              .values({ zone: batch.zone, seq: batch.records.length })
              .onConflictDoUpdate({
                target: streamHeads.zone,
                set: { seq: sql`${streamHeads.seq} + ${batch.records.length}` },
              })
              .returning({ seq: streamHeads.seq })
              .get();
            const rows = numberRecords(batch, expectRow(head, 'stream head upsert').seq, epoch, createdAt);
            for (const chunk of chunks(rows)) tx.insert(changelog).values(chunk).run();
          }
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

/** The database's epoch: drawn once, on first open; a replaced database file gets a new one. */
export function sqliteEpoch(db: SqliteDb, fresh: string): string {
  db.insert(meta).values({ key: 'epoch', value: fresh }).onConflictDoNothing().run();
  return expectRow(db.select({ value: meta.value }).from(meta).where(eq(meta.key, 'epoch')).get(), 'epoch')
    .value;
}
