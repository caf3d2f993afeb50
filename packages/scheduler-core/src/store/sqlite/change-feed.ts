import { FINAL_JOB_STATUSES } from '@schedulezero/protocol';
import { and, asc, eq, gte, inArray, lt, lte, max, min, sql } from 'drizzle-orm';
import { pruneCutoff, snapshotRecords } from '../change-records.ts';
import type { ChangeFeed } from '../ports/change-feed.ts';
import { toChangeRow, toHandler, toJob, toSchedule } from '../row-mapping.ts';
import type { SqliteContext, SqliteTx } from './context.ts';
import { bound } from './prepared.ts';
import { changelog, handlers, jobs, schedules, streamHeads } from './schema.ts';

/** The change log as the master's replication publisher and sync server read it: tail, retention, snapshot. */
export function sqliteChangeFeed({ db, epoch, projector }: SqliteContext): ChangeFeed {
  const head = (tx: SqliteTx, zone: string): number =>
    tx.select({ seq: streamHeads.seq }).from(streamHeads).where(eq(streamHeads.zone, zone)).get()?.seq ?? 0;

  const oldest = (tx: SqliteTx, zone: string, seq: number): number =>
    tx
      .select({ seq: min(changelog.seq) })
      .from(changelog)
      .where(eq(changelog.zone, zone))
      .get()?.seq ?? seq + 1;

  // The publisher's tail and every catch-up page read here: prepared once (see prepared.ts).
  const changesFrom = db
    .select()
    .from(changelog)
    .where(and(eq(changelog.zone, bound('zone')), gte(changelog.seq, bound('fromSeq'))))
    .orderBy(asc(changelog.seq))
    .limit(sql.placeholder('limit'))
    .prepare();

  return {
    async changeHead(zone) {
      // One read transaction: the head and the oldest row from one instant.
      return db.transaction((tx) => {
        const seq = head(tx, zone);
        return { epoch, seq, oldestSeq: oldest(tx, zone, seq) };
      });
    },

    async readChanges(zone, fromSeq, limit) {
      return changesFrom.all({ zone, fromSeq, limit }).map(toChangeRow);
    },

    async pruneChanges(zone, retention) {
      return db.transaction(
        (tx) => {
          const seq = head(tx, zone);
          const olderSeq =
            retention.olderThan === undefined
              ? null
              : (tx
                  .select({ seq: max(changelog.seq) })
                  .from(changelog)
                  .where(and(eq(changelog.zone, zone), lt(changelog.createdAt, retention.olderThan)))
                  .get()?.seq ?? null);
          const cutoff = pruneCutoff(seq, retention, olderSeq);
          const deleted =
            cutoff > 0
              ? tx
                  .delete(changelog)
                  .where(and(eq(changelog.zone, zone), lte(changelog.seq, cutoff)))
                  .run().changes
              : 0;
          return { deleted, oldestSeq: oldest(tx, zone, seq) };
        },
        { behavior: 'immediate' },
      );
    },

    async readSnapshot(zone) {
      // better-sqlite3 runs this synchronously on the store's one connection: no write of this
      // process can interleave, and WAL keeps other processes' commits out of the read.
      const state = db.transaction((tx) => ({
        seq: head(tx, zone),
        schedules: tx.select().from(schedules).orderBy(asc(schedules.id)).all().map(toSchedule),
        handlers: tx.select().from(handlers).orderBy(asc(handlers.id)).all().map(toHandler),
        jobs: tx
          .select()
          .from(jobs)
          .where(inArray(jobs.status, [...FINAL_JOB_STATUSES]))
          .orderBy(asc(jobs.id))
          .all()
          .map(toJob),
      }));
      return { epoch, seq: state.seq, records: snapshotRecords(projector, zone, state) };
    },
  };
}
