import { FINAL_JOB_STATUSES } from '@schedulezero/protocol';
import { and, asc, eq, gte, inArray, lt, lte, max, sql } from 'drizzle-orm';
import { pruneCutoff, snapshotRecords } from '../change-records.ts';
import type { ChangeFeed } from '../ports/change-feed.ts';
import { toChangeRow, toHandler, toJob, toSchedule } from '../row-mapping.ts';
import type { PgContext, PgTx } from './context.ts';
import { changelog, handlers, jobs, schedules, streamHeads } from './schema.ts';

/** The change log as the master's replication publisher and sync server read it: tail, retention, snapshot. */
export function pgChangeFeed({ db, epoch, projector }: PgContext): ChangeFeed {
  /** The head and the oldest retained seq in one statement, hence from one instant. */
  const headOf = async (
    tx: PgTx | PgContext['db'],
    zone: string,
  ): Promise<{ seq: number; oldestSeq: number }> => {
    const [row] = await tx.execute<{ seq: string | null; oldest: string | null }>(sql`
      select (select ${streamHeads.seq} from ${streamHeads} where ${streamHeads.zone} = ${zone}) as seq,
             (select min(${changelog.seq}) from ${changelog} where ${changelog.zone} = ${zone}) as oldest`);
    const seq = Number(row?.seq ?? 0);
    return {
      seq,
      oldestSeq: row?.oldest === null || row?.oldest === undefined ? seq + 1 : Number(row.oldest),
    };
  };

  return {
    async readChanges(zone, fromSeq, limit) {
      const rows = await db
        .select()
        .from(changelog)
        .where(and(eq(changelog.zone, zone), gte(changelog.seq, fromSeq)))
        .orderBy(asc(changelog.seq))
        .limit(limit);
      return rows.map(toChangeRow);
    },

    async changeHead(zone) {
      return { epoch, ...(await headOf(db, zone)) };
    },

    async pruneChanges(zone, retention) {
      return db.transaction(async (tx) => {
        const { seq } = await headOf(tx, zone);
        const [older] =
          retention.olderThan === undefined
            ? [undefined]
            : await tx
                .select({ seq: max(changelog.seq) })
                .from(changelog)
                .where(and(eq(changelog.zone, zone), lt(changelog.createdAt, retention.olderThan)));
        const cutoff = pruneCutoff(seq, retention, older?.seq ?? null);
        const deleted =
          cutoff > 0
            ? (await tx.delete(changelog).where(and(eq(changelog.zone, zone), lte(changelog.seq, cutoff))))
                .count
            : 0;
        return { deleted, oldestSeq: (await headOf(tx, zone)).oldestSeq };
      });
    },

    async readSnapshot(zone) {
      // REPEATABLE READ: every statement sees the snapshot of the first, so the head and the rows
      // agree; a writer that bumped the head commits its rows with it or not at all.
      const state = await db.transaction(
        async (tx) => ({
          seq: (await headOf(tx, zone)).seq,
          schedules: (await tx.select().from(schedules).orderBy(asc(schedules.id))).map(toSchedule),
          handlers: (await tx.select().from(handlers).orderBy(asc(handlers.id))).map(toHandler),
          jobs: (
            await tx
              .select()
              .from(jobs)
              .where(inArray(jobs.status, [...FINAL_JOB_STATUSES]))
              .orderBy(asc(jobs.id))
          ).map(toJob),
        }),
        { isolationLevel: 'repeatable read', accessMode: 'read only' },
      );
      return { epoch, seq: state.seq, records: snapshotRecords(projector, zone, state) };
    },
  };
}
