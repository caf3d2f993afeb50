import type { Schedule } from '@schedulezero/protocol';
import { asc, count, eq, sql } from 'drizzle-orm';
import { chunks, scheduleChange } from '../change-records.ts';
import { encodeScheduleCursor, toPage } from '../cursor.ts';
import { expectRow, fail, ok, unlogged } from '../outcome.ts';
import type { ScheduleStore } from '../ports/schedule-store.ts';
import { pausedCount, schedulePageWhere, versionedWhere } from '../query-conditions.ts';
import { newScheduleRow, scheduleUpdateFields, toSchedule } from '../row-mapping.ts';
import type { Outcome } from '../types.ts';
import type { PgContext, PgTx } from './context.ts';
import { schedules } from './schema.ts';

/** Thrown inside a batch's transaction to roll it back when an id exists already. */
const DUPLICATE_IN_BATCH = new Error('duplicate schedule id in batch');

export function pgScheduleMethods({ db, write }: PgContext): ScheduleStore {
  /** Why a versioned UPDATE/DELETE matched no row. */
  const missReason = async (tx: PgTx, id: string): Promise<'not_found' | 'version_conflict'> => {
    const [row] = await tx.select({ id: schedules.id }).from(schedules).where(eq(schedules.id, id));
    return row ? 'version_conflict' : 'not_found';
  };

  return {
    async createSchedule(draft, now) {
      return write<Outcome<Schedule, 'duplicate'>>(async (tx) => {
        const [row] = await tx
          .insert(schedules)
          .values(newScheduleRow(draft, now))
          .onConflictDoNothing()
          .returning();
        if (row === undefined) return unlogged(fail('duplicate'));
        const schedule = toSchedule(row);
        return {
          value: ok(schedule),
          changes: [scheduleChange('created', schedule)],
          wakes: !schedule.paused,
        };
      });
    },

    async createSchedules(drafts, now) {
      if (drafts.length === 0) return ok([]);
      try {
        return await write<Outcome<Schedule[], 'duplicate'>>(async (tx) => {
          const created: Schedule[] = [];
          for (const chunk of chunks(drafts.map((draft) => newScheduleRow(draft, now)))) {
            const rows = await tx.insert(schedules).values(chunk).onConflictDoNothing().returning();
            created.push(...rows.map(toSchedule));
          }
          // Rolls the transaction back: a batch is created whole or not at all.
          if (created.length < drafts.length) throw DUPLICATE_IN_BATCH;
          const byId = new Map(created.map((schedule) => [schedule.id, schedule]));
          const ordered = drafts.map((draft) => expectRow(byId.get(draft.id), 'created schedule'));
          return {
            value: ok(ordered),
            changes: ordered.map((schedule) => scheduleChange('created', schedule)),
            wakes: ordered.some((schedule) => !schedule.paused),
          };
        });
      } catch (error) {
        if (error === DUPLICATE_IN_BATCH) return fail('duplicate');
        throw error;
      }
    },

    async getSchedule(id) {
      const [row] = await db.select().from(schedules).where(eq(schedules.id, id));
      return row && toSchedule(row);
    },

    async updateSchedule(draft, now, expectedVersion) {
      return write<Outcome<Schedule, 'not_found' | 'version_conflict'>>(async (tx) => {
        const [row] = await tx
          .update(schedules)
          .set({ ...scheduleUpdateFields(draft, now), version: sql`${schedules.version} + 1` })
          .where(versionedWhere(schedules, draft.id, expectedVersion))
          .returning();
        if (row === undefined) return unlogged(fail(await missReason(tx, draft.id)));
        const schedule = toSchedule(row);
        return {
          value: ok(schedule),
          changes: [scheduleChange('updated', schedule)],
          wakes: !schedule.paused,
        };
      });
    },

    async deleteSchedule(id, expectedVersion) {
      return write<Outcome<Schedule, 'not_found' | 'version_conflict'>>(async (tx) => {
        const [row] = await tx
          .delete(schedules)
          .where(versionedWhere(schedules, id, expectedVersion))
          .returning();
        if (row === undefined) return unlogged(fail(await missReason(tx, id)));
        const schedule = toSchedule(row);
        return { value: ok(schedule), changes: [scheduleChange('deleted', schedule)] };
      });
    },

    async listSchedules(query) {
      const rows = await db
        .select()
        .from(schedules)
        .where(schedulePageWhere(schedules, query))
        .orderBy(asc(schedules.id))
        .limit(query.limit + 1);
      return toPage(rows.map(toSchedule), query.limit, encodeScheduleCursor);
    },

    async countSchedules() {
      const [row] = await db.select({ total: count(), paused: pausedCount(schedules) }).from(schedules);
      return { total: row?.total ?? 0, paused: row?.paused ?? 0 };
    },
  };
}
