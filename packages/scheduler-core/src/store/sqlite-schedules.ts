import type { Job, Schedule } from '@schedulezero/protocol';
import { asc, count, eq, min, sql } from 'drizzle-orm';
import { chunks, executedChanges, scheduleChange } from './change-records.ts';
import { encodeScheduleCursor, toPage } from './cursor.ts';
import { expectRow, fail, ok, unlogged } from './outcome.ts';
import {
  activeJobsWhere,
  armedWhere,
  dueOrder,
  dueWhere,
  pausedCount,
  schedulePageWhere,
  versionedWhere,
} from './query-conditions.ts';
import {
  advancedScheduleFields,
  newJobRow,
  newScheduleRow,
  scheduleDraftFields,
  toJob,
  toSchedule,
} from './row-mapping.ts';
import { jobs, schedules } from './schema-sqlite.ts';
import type { SqliteContext, SqliteTx } from './sqlite-context.ts';
import type { Change, Outcome, Store } from './types.ts';

/** Thrown inside a batch's transaction to roll it back when an id exists already. */
const DUPLICATE_IN_BATCH = new Error('duplicate schedule id in batch');

type ScheduleMethods = Pick<
  Store,
  | 'createSchedule'
  | 'createSchedules'
  | 'getSchedule'
  | 'updateSchedule'
  | 'deleteSchedule'
  | 'listSchedules'
  | 'countSchedules'
  | 'earliestNextRunAt'
  | 'acquireDueSchedules'
>;

export function sqliteScheduleMethods({ db, write }: SqliteContext): ScheduleMethods {
  /** Why a versioned UPDATE/DELETE matched no row. */
  const missReason = (tx: SqliteTx, id: string): 'not_found' | 'version_conflict' =>
    tx.select({ id: schedules.id }).from(schedules).where(eq(schedules.id, id)).get()
      ? 'version_conflict'
      : 'not_found';

  return {
    async createSchedule(draft, now) {
      return write<Outcome<Schedule, 'duplicate'>>((tx) => {
        const row = tx
          .insert(schedules)
          .values(newScheduleRow(draft, now))
          .onConflictDoNothing()
          .returning()
          .get();
        if (row === undefined) return unlogged(fail('duplicate'));
        const schedule = toSchedule(row);
        return { value: ok(schedule), changes: [scheduleChange('created', schedule)] };
      });
    },

    async createSchedules(drafts, now) {
      if (drafts.length === 0) return ok([]);
      try {
        return await write<Outcome<Schedule[], 'duplicate'>>((tx) => {
          const created: Schedule[] = [];
          for (const chunk of chunks(drafts.map((draft) => newScheduleRow(draft, now)))) {
            const rows = tx.insert(schedules).values(chunk).onConflictDoNothing().returning().all();
            created.push(...rows.map(toSchedule));
          }
          // Rolls the transaction back: a batch is created whole or not at all.
          if (created.length < drafts.length) throw DUPLICATE_IN_BATCH;
          const byId = new Map(created.map((schedule) => [schedule.id, schedule]));
          const ordered = drafts.map((draft) => expectRow(byId.get(draft.id), 'created schedule'));
          return {
            value: ok(ordered),
            changes: ordered.map((schedule) => scheduleChange('created', schedule)),
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
          .set({ ...scheduleDraftFields(draft, now), version: sql`${schedules.version} + 1` })
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
      const rows = db
        .select()
        .from(schedules)
        .where(schedulePageWhere(schedules, query))
        .orderBy(asc(schedules.id))
        .limit(query.limit + 1)
        .all();
      return toPage(rows.map(toSchedule), query.limit, encodeScheduleCursor);
    },

    async countSchedules() {
      const row = db
        .select({ total: count(), paused: pausedCount(schedules) })
        .from(schedules)
        .get();
      return { total: row?.total ?? 0, paused: row?.paused ?? 0 };
    },

    async earliestNextRunAt() {
      return (
        db
          .select({ at: min(schedules.nextRunAt) })
          .from(schedules)
          .where(armedWhere(schedules))
          .get()?.at ?? null
      );
    },

    async acquireDueSchedules(now, limit, plan) {
      // One IMMEDIATE transaction holds the database's write lock: no other loop can plan these
      // schedules meanwhile, which is why the planner is synchronous.
      return write((tx) => {
        const due = tx
          .select()
          .from(schedules)
          .where(dueWhere(schedules, now))
          .orderBy(...dueOrder(schedules))
          .limit(limit)
          .all()
          .map(toSchedule);
        if (due.length === 0) return unlogged([]);
        const dueIds = due.map((schedule) => schedule.id);
        const activeRows = tx
          .select({ scheduleId: jobs.scheduleId, count: count() })
          .from(jobs)
          .where(activeJobsWhere(jobs, dueIds))
          .groupBy(jobs.scheduleId)
          .all();
        const active = new Map(activeRows.map((row) => [row.scheduleId, row.count]));
        const plans = due.map((schedule) => ({
          schedule,
          firePlan: plan(schedule, now, active.get(schedule.id) ?? 0),
        }));
        // The jobs of the whole batch in multi-row inserts (one statement per chunk, not one per
        // schedule); the unique (scheduleId, scheduledAt) key still drops a fire time run before.
        const created = new Map<string, Job[]>();
        const rows = plans.flatMap(({ firePlan }) => firePlan.jobs.map((draft) => newJobRow(draft, now)));
        const jobKey = (job: { scheduleId: string; scheduledAt: Date }) =>
          `${job.scheduleId}\u0000${job.scheduledAt.getTime()}`;
        const planOrder = new Map(rows.map((row, index) => [jobKey(row), index]));
        for (const chunk of chunks(rows)) {
          const insertedRows = tx
            .insert(jobs)
            .values(chunk)
            .onConflictDoNothing({ target: [jobs.scheduleId, jobs.scheduledAt] })
            .returning()
            .all();
          for (const job of insertedRows.map(toJob)) {
            created.set(job.scheduleId, [...(created.get(job.scheduleId) ?? []), job]);
          }
        }
        const inserted: Job[] = [];
        const changes: Change[] = [];
        for (const { schedule, firePlan } of plans) {
          const row = tx
            .update(schedules)
            .set(advancedScheduleFields(schedule, firePlan, now))
            .where(eq(schedules.id, schedule.id))
            .returning()
            .get();
          // RETURNING promises no order: put each schedule's jobs back in the planner's order.
          const own = (created.get(schedule.id) ?? []).sort(
            (a, b) => (planOrder.get(jobKey(a)) ?? 0) - (planOrder.get(jobKey(b)) ?? 0),
          );
          inserted.push(...own);
          changes.push(
            scheduleChange('updated', toSchedule(expectRow(row, 'schedule advance'))),
            ...executedChanges(own),
          );
        }
        return { value: inserted, changes };
      });
    },
  };
}
