import {
  type HandlerRecord,
  type Job,
  type JobStatus,
  replicationTopic,
  type Schedule,
  type Trigger,
  topicKind,
} from '@schedulezero/protocol';

/**
 * From replicated payloads to rows, for both dialects. A payload is what the zone's projection
 * left of a schedule, job or handler, as JSON: instants are ISO strings, and fields the zone does
 * not receive are absent. Absent (or ill-typed) fields are stored as the empty value of their
 * type: '' for text, 0, false, {} or [] for JSON, null where the column allows it, and the Unix
 * epoch for a required instant. Only a missing `id` is an error: the batch rolls back.
 */

export type ReplicaWrite =
  | { table: 'schedules'; op: 'upsert'; row: Schedule }
  | { table: 'schedules'; op: 'delete'; id: string }
  | { table: 'jobs'; op: 'upsert'; row: Job }
  | { table: 'handlers'; op: 'upsert'; row: HandlerRecord };

/** What one replicated record does; null for a topic of a kind replicas do not store. */
export function replicaWrite(topic: string, payload: unknown): ReplicaWrite | null {
  const kind = topicKind(topic);
  if (kind === null) return null;
  const fields = asRecord(payload);
  const id = fields.id;
  if (typeof id !== 'string' || id.length === 0) throw new Error(`replicated ${topic} has no id`);
  if (kind === 'schedule')
    return topic === replicationTopic('schedule', 'deleted')
      ? { table: 'schedules', op: 'delete', id }
      : { table: 'schedules', op: 'upsert', row: scheduleRow(id, fields) };
  if (kind === 'job') return { table: 'jobs', op: 'upsert', row: jobRow(id, fields) };
  return { table: 'handlers', op: 'upsert', row: handlerRow(id, fields) };
}

export type WriteGroup =
  | { table: 'schedules'; op: 'upsert'; rows: Schedule[] }
  | { table: 'schedules'; op: 'delete'; ids: string[] }
  | { table: 'jobs'; op: 'upsert'; rows: Job[] }
  | { table: 'handlers'; op: 'upsert'; rows: HandlerRecord[] };

/**
 * Runs of writes to one table with one op, for multi-row statements. Within a run the last write
 * of an id wins (a multi-row upsert may not touch a row twice); runs keep their order, so a delete
 * after an upsert of the same schedule still deletes it.
 */
export function groupWrites(writes: readonly ReplicaWrite[]): WriteGroup[] {
  const runs: Array<Map<string, ReplicaWrite>> = [];
  let previous: ReplicaWrite | undefined;
  for (const write of writes) {
    let run = runs.at(-1);
    if (run === undefined || previous?.table !== write.table || previous.op !== write.op) {
      run = new Map();
      runs.push(run);
    }
    const id = write.op === 'delete' ? write.id : write.row.id;
    run.delete(id);
    run.set(id, write);
    previous = write;
  }
  return runs.map((run) => toGroup([...run.values()]));
}

function toGroup(items: ReplicaWrite[]): WriteGroup {
  const first = items[0];
  if (first?.op === 'delete')
    return {
      table: 'schedules',
      op: 'delete',
      ids: items.flatMap((item) => (item.op === 'delete' ? [item.id] : [])),
    };
  if (first?.table === 'schedules')
    return {
      table: 'schedules',
      op: 'upsert',
      rows: items.flatMap((item) => (item.table === 'schedules' && item.op === 'upsert' ? [item.row] : [])),
    };
  if (first?.table === 'jobs')
    return {
      table: 'jobs',
      op: 'upsert',
      rows: items.flatMap((item) => (item.table === 'jobs' ? [item.row] : [])),
    };
  return {
    table: 'handlers',
    op: 'upsert',
    rows: items.flatMap((item) => (item.table === 'handlers' ? [item.row] : [])),
  };
}

function scheduleRow(id: string, p: Record<string, unknown>): Schedule {
  return {
    id,
    task: text(p.task),
    trigger: jsonObject(p.trigger) as Trigger,
    args: Array.isArray(p.args) ? p.args : jsonObject(p.args),
    metadata: jsonObject(p.metadata),
    paused: p.paused === true,
    misfireGraceSeconds: int(p.misfireGraceSeconds),
    coalesce: text(p.coalesce) as Schedule['coalesce'],
    maxInstances: int(p.maxInstances),
    retry: jsonObject(p.retry) as Schedule['retry'],
    timeoutSeconds: num(p.timeoutSeconds),
    target: jsonObject(p.target) as Schedule['target'],
    nextRunAt: instant(p.nextRunAt),
    lastRunAt: instant(p.lastRunAt),
    createdAt: instant(p.createdAt) ?? EPOCH,
    updatedAt: instant(p.updatedAt) ?? EPOCH,
    version: int(p.version),
  };
}

function jobRow(id: string, p: Record<string, unknown>): Job {
  return {
    id,
    scheduleId: text(p.scheduleId),
    task: text(p.task),
    // Job args may be any JSON; the column is NOT NULL, so an absent or null value is stored as {}.
    args: p.args ?? {},
    source: text(p.source) as Job['source'],
    scheduledAt: instant(p.scheduledAt) ?? EPOCH,
    status: text(p.status) as JobStatus,
    attempt: int(p.attempt),
    maxAttempts: int(p.maxAttempts),
    retry: jsonObject(p.retry) as Job['retry'],
    timeoutSeconds: num(p.timeoutSeconds),
    target: jsonObject(p.target) as Job['target'],
    notBefore: instant(p.notBefore) ?? EPOCH,
    handlerId: nullableText(p.handlerId),
    startedAt: instant(p.startedAt),
    finishedAt: instant(p.finishedAt),
    durationMs: nullableInt(p.durationMs),
    result: p.result ?? null,
    error: jobError(p.error),
    missedCount: nullableInt(p.missedCount),
    missedUntil: instant(p.missedUntil),
    createdAt: instant(p.createdAt) ?? EPOCH,
    updatedAt: instant(p.updatedAt) ?? EPOCH,
  };
}

function handlerRow(id: string, p: Record<string, unknown>): HandlerRecord {
  return {
    id,
    methods: textArray(p.methods),
    zone: text(p.zone),
    tags: textArray(p.tags),
    capacity: int(p.capacity),
    status: text(p.status) as HandlerRecord['status'],
    lastSeenAt: instant(p.lastSeenAt) ?? EPOCH,
    activeJobs: int(p.activeJobs),
    successCount: int(p.successCount),
    failureCount: int(p.failureCount),
    avgDurationMs:
      typeof p.avgDurationMs === 'number' && Number.isFinite(p.avgDurationMs) ? p.avgDurationMs : null,
    registeredAt: instant(p.registeredAt) ?? EPOCH,
  };
}

const EPOCH = new Date(0);

function jobError(value: unknown): Job['error'] {
  if (value === null || value === undefined) return null;
  const fields = asRecord(value);
  return { code: text(fields.code), message: text(fields.message) };
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function jsonObject(value: unknown): Record<string, unknown> {
  return asRecord(value);
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function nullableText(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

function textArray(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

function int(value: unknown): number {
  return nullableInt(value) ?? 0;
}

function nullableInt(value: unknown): number | null {
  return typeof value === 'number' && Number.isSafeInteger(value) ? value : null;
}

function num(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

/** ISO text (JSON), epoch ms, or a Date (an in-process caller); anything else is absent. */
function instant(value: unknown): Date | null {
  if (typeof value !== 'string' && typeof value !== 'number' && !(value instanceof Date)) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}
