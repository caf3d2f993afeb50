import type { Schedule } from '@schedulezero/protocol';
import { and, asc, count, eq, gt, sql } from 'drizzle-orm';
import { scheduleChange } from '../change-records.ts';
import { decodeScheduleCursor, encodeScheduleCursor, toPage } from '../cursor.ts';
import { fail, ok, unlogged } from '../outcome.ts';
import type { ScheduleStore } from '../ports/schedule-store.ts';
import { pausedCount, versionedWhere } from '../query-conditions.ts';
import { newScheduleRow, scheduleUpdateFields, toSchedule } from '../row-mapping.ts';
import type { Outcome } from '../types.ts';
import type { SqliteContext, SqliteTx } from './context.ts';
import { bound, columnEncoder, preparedByKey, rowPlaceholders } from './prepared.ts';
import { schedules } from './schema.ts';

/** Thrown inside a batch's transaction to roll it back when an id exists already. */
const DUPLICATE_IN_BATCH = new Error('duplicate schedule id in batch');

export function sqliteScheduleMethods({ db, write }: SqliteContext): ScheduleStore {
  const encodeSchedule = columnEncoder(schedules);
  // Prepared once (see prepared.ts). The row it writes is the value handed back: nothing in it
  // is computed by the database.
  const insertSchedule = db
    .insert(schedules)
    .values(rowPlaceholders(schedules))
    .onConflictDoNothing()
    .prepare();
  // The read API's list, one statement per combination of filters (a replica serves it to the public).
  const schedulePage = preparedByKey((key) =>
    db
      .select()
      .from(schedules)
      .where(
        and(
          key[0] === '1' ? gt(schedules.id, bound('after')) : undefined,
          key[1] === '1' ? eq(schedules.task, bound('task')) : undefined,
          key[2] === '1' ? eq(schedules.paused, bound('paused')) : undefined,
        ),
      )
      .orderBy(asc(schedules.id))
      .limit(sql.placeholder('limit'))
      .prepare(),
  );

  /** Inserts a new schedule's row; false when its id exists already. */
  const insertScheduleRow = (schedule: Schedule): boolean =>
    insertSchedule.run(encodeSchedule(schedule)).changes === 1;

  /** Why a versioned UPDATE/DELETE matched no row. */
  const missReason = (tx: SqliteTx, id: string): 'not_found' | 'version_conflict' =>
    tx.select({ id: schedules.id }).from(schedules).where(eq(schedules.id, id)).get()
      ? 'version_conflict'
      : 'not_found';

  return {
    async createSchedule(draft, now) {
      return write<Outcome<Schedule, 'duplicate'>>(() => {
        const schedule = newScheduleRow(draft, now);
        if (!insertScheduleRow(schedule)) return unlogged(fail('duplicate'));
        return { value: ok(schedule), changes: [scheduleChange('created', schedule)] };
      });
    },

    async createSchedules(drafts, now) {
      if (drafts.length === 0) return ok([]);
      try {
        return await write<Outcome<Schedule[], 'duplicate'>>(() => {
          const created = drafts.map((draft) => newScheduleRow(draft, now));
          // Throwing rolls the transaction back: a batch is created whole or not at all.
          for (const schedule of created) if (!insertScheduleRow(schedule)) throw DUPLICATE_IN_BATCH;
          return {
            value: ok(created),
            changes: created.map((schedule) => scheduleChange('created', schedule)),
          };
        });
      } catch (error) {
        if (error === DUPLICATE_IN_BATCH) return fail('duplicate');
        throw error;
      }
    },

    async getSchedule(id) {
      const row = db.select().from(schedules).where(eq(schedules.id, id)).get();
      return row && toSchedule(row);
    },

    async updateSchedule(draft, now, expectedVersion) {
      return write<Outcome<Schedule, 'not_found' | 'version_conflict'>>((tx) => {
        const row = tx
          .update(schedules)
          .set({ ...scheduleUpdateFields(draft, now), version: sql`${schedules.version} + 1` })
          .where(versionedWhere(schedules, draft.id, expectedVersion))
          .returning()
          .get();
        if (row === undefined) return unlogged(fail(missReason(tx, draft.id)));
        const schedule = toSchedule(row);
        return { value: ok(schedule), changes: [scheduleChange('updated', schedule)] };
      });
    },

    async deleteSchedule(id, expectedVersion) {
      return write<Outcome<Schedule, 'not_found' | 'version_conflict'>>((tx) => {
        const row = tx
          .delete(schedules)
          .where(versionedWhere(schedules, id, expectedVersion))
          .returning()
          .get();
        if (row === undefined) return unlogged(fail(missReason(tx, id)));
        const schedule = toSchedule(row);
        return { value: ok(schedule), changes: [scheduleChange('deleted', schedule)] };
      });
    },

    async listSchedules(query) {
      const after = query.cursor === undefined ? undefined : decodeScheduleCursor(query.cursor).id;
      // Which filters the query has, e.g. "010" for a task only.
      const key = [after, query.task, query.paused].map((filter) => (filter === undefined ? 0 : 1)).join('');
      const rows = schedulePage(key).all({
        after,
        task: query.task,
        paused: query.paused === undefined ? undefined : Number(query.paused),
        limit: query.limit + 1,
      });
      return toPage(rows.map(toSchedule), query.limit, encodeScheduleCursor);
    },

    async countSchedules() {
      const row = db
        .select({ total: count(), paused: pausedCount(schedules) })
        .from(schedules)
        .get();
      return { total: row?.total ?? 0, paused: row?.paused ?? 0 };
    },
  };
}
