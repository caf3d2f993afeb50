import type { Schedule, ScheduleSpec } from '@schedulezero/protocol';
import type { Outcome, Page } from '../types.ts';

/** A schedule as the service hands it to the store: spec plus the computed next fire time. */
export interface ScheduleDraft extends ScheduleSpec {
  id: string;
  nextRunAt: Date | null;
}

/**
 * An edit of a stored schedule: the whole spec, and `nextRunAt` only when the edit re-arms it (a
 * new trigger, a resume). Without it the stored fire time stays: the loop may have advanced it
 * since the caller read the schedule.
 */
export type ScheduleUpdate = Omit<ScheduleDraft, 'nextRunAt'> & { nextRunAt?: Date | null };

export interface ScheduleQuery {
  limit: number;
  cursor?: string | undefined;
  task?: string | undefined;
  paused?: boolean | undefined;
}

/** The schedules as the API reads and edits them (the scheduler's create, update, delete). */
export interface ScheduleStore {
  createSchedule(draft: ScheduleDraft, now: Date): Promise<Outcome<Schedule, 'duplicate'>>;
  /**
   * Several schedules in one transaction, all or none: when any id exists already (or repeats in
   * the batch) nothing is created and the outcome is `duplicate`. Created in the order given.
   */
  createSchedules(drafts: readonly ScheduleDraft[], now: Date): Promise<Outcome<Schedule[], 'duplicate'>>;
  getSchedule(id: string): Promise<Schedule | undefined>;
  /** Writes the whole spec (id unchanged) and bumps `version`; firing (`acquireDueSchedules`) does not. */
  updateSchedule(
    draft: ScheduleUpdate,
    now: Date,
    expectedVersion?: number,
  ): Promise<Outcome<Schedule, 'not_found' | 'version_conflict'>>;
  deleteSchedule(
    id: string,
    expectedVersion?: number,
  ): Promise<Outcome<Schedule, 'not_found' | 'version_conflict'>>;
  /** Ordered by id. */
  listSchedules(query: ScheduleQuery): Promise<Page<Schedule>>;
  countSchedules(): Promise<{ total: number; paused: number }>;
}
