import type { Job, Schedule } from '@schedulezero/protocol';
import { asc, count, desc, eq, min, sql } from 'drizzle-orm';
import { chunks, executedChanges, scheduleChange } from '../change-records.ts';
import { encodeScheduleCursor, toPage } from '../cursor.ts';
import { extendMissed } from '../job-transitions.ts';
import { expectRow, fail, ok, unlogged } from '../outcome.ts';
import type { FiringStore } from '../ports/firing-store.ts';
import type { ScheduleStore } from '../ports/schedule-store.ts';
import {
  activeJobsWhere,
  armedWhere,
  dueOrder,
  dueWhere,
  pausedCount,
  schedulePageWhere,
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
import { fromBatch, setFromBatch, valuesRelation } from './batch.ts';
import type { PgContext, PgTx } from './context.ts';
import { jobs, schedules } from './schema.ts';

/** Thrown inside a batch's transaction to roll it back when an id exists already. */
const DUPLICATE_IN_BATCH = new Error('duplicate schedule id in batch');

type ScheduleMethods = ScheduleStore & Pick<FiringStore, 'earliestNextRunAt' | 'acquireDueSchedules'>;

export function pgScheduleMethods({ db, write }: PgContext): ScheduleMethods {
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
