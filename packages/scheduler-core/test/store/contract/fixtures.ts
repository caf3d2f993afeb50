import { replicationTopic, type Schedule } from '@schedulezero/protocol';
import { afterEach, beforeEach } from 'vitest';
import type { FinishJob, FirePlanner, FiringStore } from '../../../src/store/ports/firing-store.ts';
import type { HandlerStore } from '../../../src/store/ports/handler-store.ts';
import type { JobDraft } from '../../../src/store/ports/job-store.ts';
import type { ScheduleDraft } from '../../../src/store/ports/schedule-store.ts';
import type { MasterStore, ReplicaStore } from '../../../src/store/roles.ts';
import type { ChangeProjector, StoreOptions } from '../../../src/store/types.ts';

/** One empty database of the dialect under test; the suite makes one per test. */
export interface TestDatabase {
  /** Opens a store on this database (migrating it when needed). */
  open(options?: StoreOptions): Promise<MasterStore>;
  /** Opens a replica's store on this database. */
  openReplica(): Promise<ReplicaStore>;
  /** Removes the database; every store on it is closed by then. */
  destroy(): Promise<void>;
}

export interface StoreHarness {
  /** The store under test, opened on a fresh database with `recordingProjector`. */
  readonly store: MasterStore;
  /** Another store on the same database; closed after the test like the first. */
  open(options?: StoreOptions): Promise<MasterStore>;
  /** A replica's store on the same database; closed after the test like the others. */
  openReplica(): Promise<ReplicaStore>;
}

/** Registers the hooks that give each test a fresh database, and close everything after it. */
export function useStoreHarness(createDatabase: () => Promise<TestDatabase>): StoreHarness {
  let database: TestDatabase | undefined;
  let current: MasterStore | undefined;
  const opened: Array<MasterStore | ReplicaStore> = [];
  const open = async (options?: StoreOptions) => {
    if (database === undefined) throw new Error('no database outside a test');
    const store = await database.open(options);
    opened.push(store);
    return store;
  };
  const openReplica = async () => {
    if (database === undefined) throw new Error('no database outside a test');
    const store = await database.openReplica();
    opened.push(store);
    return store;
  };
  beforeEach(async () => {
    database = await createDatabase();
    current = await open({ projector: recordingProjector });
  });
  afterEach(async () => {
    // Close is idempotent: a test may have closed a store itself (reopen cases).
    await Promise.all(opened.splice(0).map((store) => store.close()));
    current = undefined;
    await database?.destroy();
    database = undefined;
  });
  return {
    get store() {
      if (current === undefined) throw new Error('no store outside a test');
      return current;
    },
    open,
    openReplica,
  };
}

export const BASE_TIME = Date.parse('2026-03-01T12:00:00.000Z');

/** `BASE_TIME` plus some seconds. */
export function at(seconds: number): Date {
  return new Date(BASE_TIME + seconds * 1000);
}

export function scheduleDraft(id: string, overrides: Partial<ScheduleDraft> = {}): ScheduleDraft {
  return {
    id,
    task: 'send_email',
    trigger: { type: 'interval', seconds: 60 },
    args: { to: 'ops@example.com', tags: ['a', 'b'], nested: { n: 1 } },
    metadata: { owner: 'ops' },
    paused: false,
    misfireGraceSeconds: 60,
    coalesce: 'latest',
    maxInstances: 1,
    retry: { maxAttempts: 3, backoffMs: 1000, backoffFactor: 2 },
    timeoutSeconds: 30.5,
    target: { zone: 'eu', tags: ['fast'], affinityKey: 'k1' },
    nextRunAt: at(0),
    ...overrides,
  };
}

let jobCounter = 0;

export function jobDraft(
  schedule: Pick<Schedule, 'id' | 'task'>,
  scheduledAt: Date,
  overrides: Partial<JobDraft> = {},
): JobDraft {
  jobCounter += 1;
  return {
    id: `job-${String(jobCounter).padStart(6, '0')}`,
    scheduleId: schedule.id,
    task: schedule.task,
    args: { n: jobCounter },
    source: 'schedule',
    scheduledAt,
    status: 'pending',
    maxAttempts: 2,
    retry: { maxAttempts: 2, backoffMs: 500, backoffFactor: 2 },
    timeoutSeconds: 10,
    target: { tags: [] },
    notBefore: scheduledAt,
    ...overrides,
  };
}

/** Creates schedules, asserting that each one was created. */
export async function createSchedules(
  store: MasterStore,
  drafts: ScheduleDraft[],
  now = at(-60),
): Promise<Schedule[]> {
  const created: Schedule[] = [];
  for (const draft of drafts) {
    const outcome = await store.createSchedule(draft, now);
    if (!outcome.ok) throw new Error(`fixture schedule ${draft.id}: ${outcome.reason}`);
    created.push(outcome.value);
  }
  return created;
}

/** A job through `createManualJob`, asserting that it was created. */
export async function manualJob(
  store: MasterStore,
  schedule: Schedule,
  scheduledAt: Date,
  overrides: Partial<JobDraft> = {},
) {
  const outcome = await store.createManualJob(schedule.id, (current) =>
    jobDraft(current, scheduledAt, overrides),
  );
  if (!outcome.ok) throw new Error(`fixture job: ${outcome.reason}`);
  return outcome.value;
}

/** The one schedule `s` a job test needs. */
export async function oneSchedule(store: MasterStore, maxInstances = 10): Promise<Schedule> {
  const [schedule] = await createSchedules(store, [scheduleDraft('s', { maxInstances })]);
  if (schedule === undefined) throw new Error('fixture');
  return schedule;
}

export interface PlannerCall {
  scheduleId: string;
  fireAt: number;
  activeJobs: number;
}

/**
 * Plans the schedule's `nextRunAt` as one job and moves on by the interval trigger's period,
 * recording every call.
 */
export function recordingPlanner(
  calls: PlannerCall[],
  status: 'pending' | 'missed' = 'pending',
): FirePlanner {
  return (schedule, _now, activeJobs) => {
    const fireAt = schedule.nextRunAt;
    if (fireAt === null) throw new Error(`planned ${schedule.id} without a next fire time`);
    calls.push({ scheduleId: schedule.id, fireAt: fireAt.getTime(), activeJobs });
    const period = schedule.trigger.type === 'interval' ? schedule.trigger.seconds * 1000 : 60_000;
    return {
      jobs: [
        jobDraft(schedule, fireAt, {
          status,
          error: status === 'missed' ? { code: 'misfire', message: 'late' } : null,
        }),
      ],
      nextRunAt: new Date(fireAt.getTime() + period),
      lastRunAt: status === 'pending' ? fireAt : null,
    };
  };
}

/** Schedules with `metadata.poison` make the projector throw: a write that must roll back. */
export const recordingProjector: ChangeProjector = (change) => {
  if (change.kind === 'schedule' && change.schedule.metadata.poison === true)
    throw new Error('projector refused');
  const id =
    change.kind === 'schedule'
      ? change.schedule.id
      : change.kind === 'job'
        ? change.job.id
        : change.handler.id;
  const record = { topic: replicationTopic(change.kind, change.op), payload: { id } };
  // The admin zone sees everything; dmz only sees schedules.
  return change.kind === 'schedule'
    ? [
        { zone: 'admin', ...record },
        { zone: 'dmz', ...record },
      ]
    : [{ zone: 'admin', ...record }];
};

/** `topic id` of every change-log row of a zone, in seq order, checking that seqs are 1..n. */
export async function changeLog(store: MasterStore, zone: string): Promise<string[]> {
  const rows = await store.readChanges(zone, 1, 10_000);
  rows.forEach((row, index) => {
    if (row.seq !== index + 1) throw new Error(`zone ${zone}: seq ${row.seq} at position ${index + 1}`);
  });
  return rows.map((row) => `${row.topic} ${(row.payload as { id: string }).id}`);
}

/** One finish through the batch write the run loop uses, and its outcome. */
export async function finishJob(store: Pick<FiringStore, 'finishJobs'>, finish: FinishJob) {
  const [outcome] = await store.finishJobs([finish]);
  if (outcome === undefined) throw new Error('no outcome for the finish');
  return outcome;
}

/** A handler's record as the store lists it; undefined when it has none. */
export async function findHandler(store: Pick<HandlerStore, 'listHandlers'>, id: string) {
  return (await store.listHandlers()).find((handler) => handler.id === id);
}
