import type { Job } from '@schedulezero/protocol';
import { count, desc, eq, min } from 'drizzle-orm';
import { chunks, executedChanges, scheduleChange } from '../change-records.ts';
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
import { fromBatch, setFromBatch, valuesRelation } from './batch.ts';
import type { PgContext } from './context.ts';
import { jobs, schedules } from './schema.ts';

/**
 * The run loop's firing: when the next schedule is due, and due schedules planned into jobs in
 * one transaction with their new fire times.
 */
export function pgFiringMethods({ db, write }: PgContext): ScheduleFiring {
  return {
    async earliestNextRunAt() {
      const [row] = await db
        .select({ at: min(schedules.nextRunAt) })
        .from(schedules)
        .where(armedWhere(schedules));
      return row?.at ?? null;
    },

    async acquireDueSchedules(now, limit, plan) {
      return write(async (tx) => {
        // SKIP LOCKED: a schedule another loop is planning right now is not ours to plan; it
        // comes back with its new nextRunAt once that loop commits.
        const due = (
          await tx
            .select()
            .from(schedules)
            .where(dueWhere(schedules, now))
            .orderBy(...dueOrder(schedules))
            .limit(limit)
            .for('update', { skipLocked: true })
        ).map(toSchedule);
        if (due.length === 0) return unlogged<Job[]>([]);
        const dueIds = due.map((schedule) => schedule.id);
        const activeRows = await tx
          .select({ scheduleId: jobs.scheduleId, count: count() })
          .from(jobs)
          .where(activeJobsWhere(jobs, dueIds))
          .groupBy(jobs.scheduleId);
        const active = new Map(activeRows.map((row) => [row.scheduleId, row.count]));
        const plans = due.map((schedule) => {
          const firePlan = plan(schedule, now, active.get(schedule.id) ?? 0);
          return {
            schedule,
            jobs: firePlan.jobs.map((draft) => newJobRow(draft, now)),
            fields: advancedScheduleFields(schedule, firePlan, now),
            extended: undefined as Job | undefined,
          };
        });
        // A plan's missed record may extend the schedule's newest job (rare: read only then).
        for (const planned of plans) {
          if (!planned.jobs.some((row) => row.status === 'missed')) continue;
          const [latest] = await tx
            .select()
            .from(jobs)
            .where(eq(jobs.scheduleId, planned.schedule.id))
            .orderBy(desc(jobs.scheduledAt), desc(jobs.id))
            .limit(1);
          const { insert, extended } = extendMissed(latest && toJob(latest), planned.jobs, now);
          if (!extended) continue;
          const { missedCount, missedUntil, error, updatedAt } = extended;
          await tx
            .update(jobs)
            .set({ missedCount, missedUntil, error, updatedAt })
            .where(eq(jobs.id, extended.id));
          planned.jobs = insert;
          planned.extended = extended;
        }
        // The whole batch in a few statements, not two per schedule: multi-row INSERTs of the
        // jobs (a fire time that ran before is dropped by the unique key: a crash left it
        // behind) and one UPDATE ... FROM (VALUES ...) per chunk of schedules.
        const insertedIds = new Set<string>();
        for (const rows of chunks(plans.flatMap((planned) => planned.jobs))) {
          const returned = await tx
            .insert(jobs)
            .values(rows)
            .onConflictDoNothing({ target: [jobs.scheduleId, jobs.scheduledAt] })
            .returning({ id: jobs.id });
          for (const { id } of returned) insertedIds.add(id);
        }
        for (const chunk of chunks(plans)) {
          const advanced = await tx
            .update(schedules)
            .set(setFromBatch(schedules, ADVANCED_SCHEDULE_COLUMNS))
            .from(
              valuesRelation(
                schedules,
                ['id', ...ADVANCED_SCHEDULE_COLUMNS],
                chunk.map(({ schedule, fields }) => ({ id: schedule.id, ...fields })),
              ),
            )
            .where(eq(schedules.id, fromBatch(schedules, 'id')))
            .returning({ id: schedules.id });
          if (advanced.length !== chunk.length) {
            throw new Error('store invariant broken: a schedule advance matched no row');
          }
        }
        const inserted: Job[] = [];
        const changes: Change[] = [];
        for (const { schedule, jobs: planned, fields, extended } of plans) {
          const own = planned.filter((job) => insertedIds.has(job.id));
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
