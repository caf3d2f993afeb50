import { eq, sql } from 'drizzle-orm';
import type { PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import { chunks, notifyCommit, numberRecords, projectChanges } from '../change-records.ts';
import { expectRow, type Written } from '../outcome.ts';
import type { ChangeProjector, StoreOptions } from '../types.ts';
import { changelog, meta, streamHeads } from './schema.ts';
import { notifyWake } from './wakeups.ts';

export type PgDb = PostgresJsDatabase;
export type PgTx = Parameters<Parameters<PgDb['transaction']>[0]>[0];

/** What the PostgreSQL method groups share: the database and its one write path. */
export interface PgContext {
  db: PgDb;
  epoch: string;
  /** This store's name in the wake-ups it sends, so that it can ignore its own. */
  sender: string;
  projector: ChangeProjector | undefined;
  /**
   * Runs `work` in one transaction (READ COMMITTED) and appends the change-log rows of the
   * changes it reports before committing. The seqs come from `stream_heads`: bumping a zone's row
   * locks it until commit, so a second writer of that zone waits for the first to commit and
   * seqs become visible in order, without gaps (a rollback gives its seqs back).
   */
  write<T>(work: (tx: PgTx) => Promise<Written<T>>): Promise<T>;
}

export function pgContext(db: PgDb, epoch: string, sender: string, options: StoreOptions): PgContext {
  const { projector, onCommit } = options;
  return {
    db,
    epoch,
    sender,
    projector,
    write: async (work) => {
      let zones: string[] = [];
      const value = await db.transaction(async (tx) => {
        const { value, changes, wakes } = await work(tx);
        if (wakes) await notifyWake(tx, sender);
        const batches = projectChanges(projector, changes);
        const createdAt = new Date();
        // Heads are bumped last, so a zone's lock is held only for the rest of the commit.
        for (const batch of batches) {
          const [head] = await tx
            .insert(streamHeads)
            .values({ zone: batch.zone, seq: batch.records.length })
            .onConflictDoUpdate({
              target: streamHeads.zone,
              set: { seq: sql`${streamHeads.seq} + ${batch.records.length}` },
            })
            .returning({ seq: streamHeads.seq });
          const rows = numberRecords(batch, expectRow(head, 'stream head upsert').seq, epoch, createdAt);
          for (const chunk of chunks(rows)) await tx.insert(changelog).values(chunk);
        }
        zones = batches.map((batch) => batch.zone);
        return value;
      });
      if (zones.length > 0) notifyCommit(onCommit, zones);
      return value;
    },
  };
}

/** The database's epoch: drawn once, on first open; a replaced database gets a new one. */
export async function pgEpoch(db: PgDb, fresh: string): Promise<string> {
  await db.insert(meta).values({ key: 'epoch', value: fresh }).onConflictDoNothing();
  const [row] = await db.select({ value: meta.value }).from(meta).where(eq(meta.key, 'epoch'));
  return expectRow(row, 'epoch').value;
}
