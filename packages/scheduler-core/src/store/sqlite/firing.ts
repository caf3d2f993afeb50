import type { Job } from '@schedulezero/protocol';
import { count, desc, eq, min, sql } from 'drizzle-orm';
import { executedChanges, scheduleChange } from '../change-records.ts';
import { extendMissed } from '../job-transitions.ts';
import { unlogged } from '../outcome.ts';
import type { ScheduleFiring } from '../ports/firing-store.ts';
import { activeJobsWhere, armedWhere, dueOrder, dueWhere } from '../query-conditions.ts';
import {
  ADVANCED_SCHEDULE_COLUMNS,
  advancedScheduleFields,
  newJobRow,
  toJob,
  toSchedule,
} from '../row-mapping.ts';
import type { Change } from '../types.ts';
import type { SqliteContext } from './context.ts';
import { bound, columnEncoder, jsonListItems, placeholders, rowPlaceholders } from './prepared.ts';
import { jobs, schedules } from './schema.ts';

/**
 * The run loop's firing: when the next schedule is due, and due schedules planned into jobs in
 * one transaction with their new fire times.
 */
export function sqliteFiringMethods({ db, write }: SqliteContext): ScheduleFiring {
  const encodeSchedule = columnEncoder(schedules);
  const encodeJob = columnEncoder(jobs);
  // The hot path's statements, prepared once (see prepared.ts). The rows they write are
  // the values handed back: nothing in them is computed by the database.
  const dueSchedules = db
    .select()
    .from(schedules)
    .where(dueWhere(schedules, bound('now')))
    .orderBy(...dueOrder(schedules))
    .limit(sql.placeholder('limit'))
    .prepare();
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

  return {
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
