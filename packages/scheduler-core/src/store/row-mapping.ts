import type { HandlerRecord, Job, Schedule } from '@schedulezero/protocol';
import type { ChangeRow } from './ports/change-feed.ts';
import type { FirePlan } from './ports/firing-store.ts';
import type { JobDraft } from './ports/job-store.ts';
import type { ScheduleDraft, ScheduleUpdate } from './ports/schedule-store.ts';

/**
 * Rows <-> model. Both schemas give their columns the model's names and types (drizzle turns
 * epoch ms and timestamptz into `Date`, text and jsonb into values), so a row of either dialect is
 * the model's shape; these functions pick the fields explicitly so that a column added later never
 * leaks into the API, and so that both dialects hand out objects with the same keys in one order.
 */

export function toSchedule(row: Schedule): Schedule {
  return {
    id: row.id,
    task: row.task,
    trigger: row.trigger,
    args: row.args,
    metadata: row.metadata,
    paused: row.paused,
    misfireGraceSeconds: row.misfireGraceSeconds,
    coalesce: row.coalesce,
    maxInstances: row.maxInstances,
    retry: row.retry,
    timeoutSeconds: row.timeoutSeconds,
    target: row.target,
    nextRunAt: row.nextRunAt,
    lastRunAt: row.lastRunAt,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    version: row.version,
  };
}

/** The columns a draft writes; the rest (`createdAt`, `lastRunAt`, `version`) belong to the store. */
export function scheduleDraftFields(draft: ScheduleDraft, now: Date) {
  return {
    task: draft.task,
    trigger: draft.trigger,
    args: draft.args,
    metadata: draft.metadata,
    paused: draft.paused,
    misfireGraceSeconds: draft.misfireGraceSeconds,
    coalesce: draft.coalesce,
    maxInstances: draft.maxInstances,
    retry: draft.retry,
    timeoutSeconds: draft.timeoutSeconds,
    target: draft.target,
    nextRunAt: draft.nextRunAt,
    updatedAt: now,
  };
}

/** The columns an update writes: `nextRunAt` only when the update gives one. */
export function scheduleUpdateFields(update: ScheduleUpdate, now: Date) {
  const { nextRunAt: _none, ...definition } = scheduleDraftFields({ ...update, nextRunAt: null }, now);
  return update.nextRunAt === undefined ? definition : { ...definition, nextRunAt: update.nextRunAt };
}

export function newScheduleRow(draft: ScheduleDraft, now: Date): Schedule {
  return toSchedule({
    ...scheduleDraftFields(draft, now),
    id: draft.id,
    lastRunAt: null,
    createdAt: now,
    version: 1,
  });
}

/**
 * The columns an acquisition writes. It leaves `version` alone: `version` guards the definition,
 * which firing does not change, and an edit never writes `nextRunAt` back unless it re-arms the
 * schedule (`ScheduleUpdate`), so an edit based on an earlier read cannot undo the loop's advance.
 */
export function advancedScheduleFields(schedule: Schedule, plan: FirePlan, now: Date) {
  return {
    nextRunAt: plan.nextRunAt,
    lastRunAt: plan.lastRunAt ?? schedule.lastRunAt,
    updatedAt: now,
  };
}

/** The columns `advancedScheduleFields` writes, for a prepared UPDATE. */
export const ADVANCED_SCHEDULE_COLUMNS = [
  'nextRunAt',
  'lastRunAt',
  'updatedAt',
] as const satisfies ReadonlyArray<keyof ReturnType<typeof advancedScheduleFields>>;

/** Job columns that are not part of the job's shape (`Job`): the store's own bookkeeping. */
export const INTERNAL_JOB_COLUMNS: readonly string[] = ['claimedBy'];

export function toJob(row: Job): Job {
  return {
    id: row.id,
    scheduleId: row.scheduleId,
    task: row.task,
    args: row.args,
    source: row.source,
    scheduledAt: row.scheduledAt,
    status: row.status,
    attempt: row.attempt,
    maxAttempts: row.maxAttempts,
    retry: row.retry,
    timeoutSeconds: row.timeoutSeconds,
    target: row.target,
    notBefore: row.notBefore,
    handlerId: row.handlerId,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
    durationMs: row.durationMs,
    // JSON null and SQL NULL read back alike; absent results are null, never undefined.
    result: row.result ?? null,
    error: row.error,
    missedCount: row.missedCount,
    missedUntil: row.missedUntil,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

export function newJobRow(draft: JobDraft, now: Date): Job {
  const final = draft.status === 'missed';
  return toJob({
    id: draft.id,
    scheduleId: draft.scheduleId,
    task: draft.task,
    args: draft.args ?? null,
    source: draft.source,
    scheduledAt: draft.scheduledAt,
    status: draft.status,
    attempt: 0,
    maxAttempts: draft.maxAttempts,
    retry: draft.retry,
    timeoutSeconds: draft.timeoutSeconds,
    target: draft.target,
    notBefore: draft.notBefore,
    handlerId: null,
    startedAt: null,
    // A missed record is final the moment it is written.
    finishedAt: final ? now : null,
    durationMs: null,
    result: null,
    error: draft.error ?? null,
    missedCount: draft.missedCount ?? null,
    missedUntil: draft.missedUntil ?? null,
    createdAt: now,
    updatedAt: now,
  });
}

export function toHandler(row: HandlerRecord): HandlerRecord {
  return {
    id: row.id,
    methods: row.methods,
    zone: row.zone,
    tags: row.tags,
    capacity: row.capacity,
    status: row.status,
    lastSeenAt: row.lastSeenAt,
    activeJobs: row.activeJobs,
    successCount: row.successCount,
    failureCount: row.failureCount,
    avgDurationMs: row.avgDurationMs,
    registeredAt: row.registeredAt,
  };
}

export function toChangeRow(row: ChangeRow): ChangeRow {
  return {
    zone: row.zone,
    seq: row.seq,
    epoch: row.epoch,
    topic: row.topic,
    payload: row.payload,
    createdAt: row.createdAt,
  };
}
