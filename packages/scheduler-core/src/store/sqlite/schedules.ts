import type { Job, Schedule } from '@schedulezero/protocol';
import { and, asc, count, desc, eq, gt, min, sql } from 'drizzle-orm';
import { executedChanges, scheduleChange } from '../change-records.ts';
import { decodeScheduleCursor, encodeScheduleCursor, toPage } from '../cursor.ts';
import { extendMissed } from '../job-transitions.ts';
import { fail, ok, unlogged } from '../outcome.ts';
import type { FiringStore } from '../ports/firing-store.ts';
import type { ScheduleStore } from '../ports/schedule-store.ts';
import {
  activeJobsWhere,
  armedWhere,
  dueOrder,
  dueWhere,
  pausedCount,
  versionedWhere,
} from '../query-conditions.ts';
import {
  ADVANCED_SCHEDULE_COLUMNS,
  advancedScheduleFields,
  newJobRow,
  newScheduleRow,
  scheduleUpdateFields,
  toJob,
  toSchedule,
} from '../row-mapping.ts';
import type { Change, Outcome } from '../types.ts';
import type { SqliteContext, SqliteTx } from './context.ts';
import {
  bound,
  columnEncoder,
  jsonListItems,
  placeholders,
  preparedByKey,
  rowPlaceholders,
} from './prepared.ts';
import { jobs, schedules } from './schema.ts';

/** Thrown inside a batch's transaction to roll it back when an id exists already. */
const DUPLICATE_IN_BATCH = new Error('duplicate schedule id in batch');

type ScheduleMethods = ScheduleStore & Pick<FiringStore, 'earliestNextRunAt' | 'acquireDueSchedules'>;

export function sqliteScheduleMethods({ db, write }: SqliteContext): ScheduleMethods {
  const encodeSchedule = columnEncoder(schedules);
  const encodeJob = columnEncoder(jobs);
  // The hot paths' statements, prepared once (see prepared.ts). The rows they write are
  // the values handed back: nothing in them is computed by the database.
  const insertSchedule = db
    .insert(schedules)
    .values(rowPlaceholders(schedules))
    .onConflictDoNothing()
    .prepare();
  const dueSchedules = db
    .select()
    .from(schedules)
    .where(dueWhere(schedules, bound('now')))
    .orderBy(...dueOrder(schedules))
    .limit(sql.placeholder('limit'))
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
  const activeCounts = db
    .select({ scheduleId: jobs.scheduleId, count: count() })
    .from(jobs)
    .where(activeJobsWhere(jobs, jsonListItems('scheduleIds')))
    .groupBy(jobs.scheduleId)
    .prepare();
  const insertJob = db
    .insert(jobs)
    .values(rowPlaceholders(jobs))
    .onConflictDoNothing({ target: [jobs.scheduleId, jobs.scheduledAt] })
    .prepare();
  const latestJob = db
    .select()
    .from(jobs)
    .where(eq(jobs.scheduleId, bound('scheduleId')))
    .orderBy(desc(jobs.scheduledAt), desc(jobs.id))
    .limit(1)
    .prepare();
  const extendMissedRecord = db
    .update(jobs)
    .set(placeholders(['missedCount', 'missedUntil', 'error', 'updatedAt'] as const))
    .where(eq(jobs.id, bound('id')))
    .prepare();
  const advanceSchedule = db
    .update(schedules)
    .set(placeholders(ADVANCED_SCHEDULE_COLUMNS))
    .where(eq(schedules.id, bound('id')))
    .prepare();

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
      return write(() => {
        const due = dueSchedules.all({ now: now.getTime(), limit }).map(toSchedule);
        if (due.length === 0) return unlogged([]);
        const activeRows = activeCounts.all({
          scheduleIds: JSON.stringify(due.map((schedule) => schedule.id)),
        });
        const active = new Map(activeRows.map((row) => [row.scheduleId, row.count]));
        const inserted: Job[] = [];
        const changes: Change[] = [];
        for (const schedule of due) {
          const firePlan = plan(schedule, now, active.get(schedule.id) ?? 0);
          const rows = firePlan.jobs.map((draft) => newJobRow(draft, now));
          // Read only when the plan has a missed record (rare): the newest job it might extend.
          const latestRow = rows.some((row) => row.status === 'missed')
            ? latestJob.get({ scheduleId: schedule.id })
            : undefined;
          const { insert, extended } = extendMissed(latestRow && toJob(latestRow), rows, now);
          if (extended) extendMissedRecord.run({ ...encodeJob(extended), id: extended.id });
          // The unique (scheduleId, scheduledAt) key drops a fire time that ran before.
          const own = insert.filter((job) => insertJob.run(encodeJob(job)).changes === 1);
          const fields = advancedScheduleFields(schedule, firePlan, now);
          const advanced = advanceSchedule.run({ ...encodeSchedule(fields), id: schedule.id });
          if (advanced.changes !== 1)
            throw new Error('store invariant broken: schedule advance matched no row');
          inserted.push(...own);
          changes.push(
            scheduleChange('updated', toSchedule({ ...schedule, ...fields })),
            ...executedChanges(extended ? [extended, ...own] : own),
          );
        }
        return { value: inserted, changes };
      });
    },
  };
}
