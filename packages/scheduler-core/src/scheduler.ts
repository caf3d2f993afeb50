import type {
  CreateScheduleBody,
  Job,
  Schedule,
  ScheduleSpec,
  ScheduleWarning,
} from '@schedulezero/protocol';
import { type Clock, systemClock } from './clock.ts';
import { SchedulerError } from './errors.ts';
import type { Executor } from './execution/executor.ts';
import { noExecutorError } from './execution/job-errors.ts';
import { servedTasks } from './execution/served-tasks.ts';
import { newId } from './ids.ts';
import { createJobControl } from './job-control.ts';
import { createLatencyHistogram } from './latency-histogram.ts';
import { createGovernedExecutor, type GovernorConfig } from './limits/governor.ts';
import { type Logger, silentLogger } from './logger.ts';
import { manualJobDraft } from './planner.ts';
import { assertValidTrigger, createReadOnlyScheduler } from './read-only-scheduler.ts';
import { createRunLoop } from './run-loop.ts';
import type { Scheduler } from './scheduler-types.ts';
import type { FiringStore } from './store/ports/firing-store.ts';
import type { HandlerStore } from './store/ports/handler-store.ts';
import type { JobStore } from './store/ports/job-store.ts';
import type { ScheduleStore, ScheduleUpdate } from './store/ports/schedule-store.ts';
import type { Outcome } from './store/types.ts';
import { nextFireTime } from './triggers/index.ts';

export interface SchedulerOptions {
  /** The API's schedules and jobs, and what the run loop fires with (the handlers it lists only). */
  store: ScheduleStore & JobStore & FiringStore & Pick<HandlerStore, 'listHandlers'>;
  /**
   * Runs the jobs; without one, jobs are created and wait for an executor on another node (and
   * fail with `no_handler` when no registered handler offers their task).
   */
  executor?: Executor;
  clock?: Clock;
  logger?: Logger;
  /** This node's name, recorded on the jobs it claims. */
  nodeId: string;
  batchSize?: number;
  maxSleepMs?: number;
  /** Rate and concurrency limits over the executor. */
  governors?: GovernorConfig;
  /** Run-now requests are refused (`rate_limited`) while this many jobs are pending. */
  queueLimit?: number;
  /** A pending job whose task no handler offers fails with `no_handler` after this long (default 30 s). */
  noHandlerWaitMs?: number;
  /** In a cluster: the instance the loop fires and claims as, null while it may not (see the run loop). */
  owner?: () => string | null;
  /** In a cluster: whether this node runs the once-per-cluster duties (the leader; see the run loop). */
  leader?: () => boolean;
}

const noExecutor: Executor = {
  capacity: () => new Map(),
  run: async () => ({ status: 'failed', error: noExecutorError() }),
};

/** The scheduler of one node: schedule operations for the API, and the run loop that fires them. */
export function createScheduler(options: SchedulerOptions): Scheduler {
  const { store } = options;
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const lateness = createLatencyHistogram();
  const queueLimit = options.queueLimit ?? 10_000;
  const executor = createGovernedExecutor(options.executor ?? noExecutor, options.governors ?? {}, clock);
  const loop = createRunLoop({
    store,
    executor,
    clock,
    logger,
    nodeId: options.nodeId,
    batchSize: options.batchSize,
    maxSleepMs: options.maxSleepMs,
    noHandlerWaitMs: options.noHandlerWaitMs,
    owner: options.owner,
    leader: options.leader,
    onJobStarted: (job, startedAt) => {
      if (job.source === 'schedule' && job.attempt === 1)
        lateness.observe(startedAt.getTime() - job.scheduledAt.getTime());
    },
  });

  async function assertQueueRoom(): Promise<void> {
    const { pending } = await store.countJobsByStatus();
    if (pending >= queueLimit) {
      throw new SchedulerError(
        'rate_limited',
        `${pending} jobs are waiting (queue limit ${queueLimit}); try again later`,
      );
    }
  }
  const jobControl = createJobControl({ store, loop, clock, assertQueueRoom });

  // The read half is the replica's: one implementation of reads for both kinds of node.
  const reads = createReadOnlyScheduler({ store, clock });
  const { getSchedule } = reads;

  /**
   * The first fire time after now, as a preview shows it: an interval without a start fires one
   * interval after the schedule's creation. A one-shot date already past fires at once while within the misfire grace, and is
   * refused beyond it: such a schedule would never fire.
   */
  function firstRun(spec: ScheduleSpec, id: string, createdAt: Date): Date | null {
    const now = clock.now();
    if (spec.trigger.type === 'date') {
      const at = new Date(spec.trigger.at);
      if (at.getTime() > now.getTime()) return at;
      if (now.getTime() - at.getTime() <= spec.misfireGraceSeconds * 1000) return at;
      const message = `is in the past by more than misfireGraceSeconds (${spec.misfireGraceSeconds}s); the schedule would never fire`;
      throw new SchedulerError('validation', `trigger.at ${message}`, {
        details: [{ path: 'trigger.at', message }],
      });
    }
    return nextFireTime(spec.trigger, now, { anchor: createdAt, seed: id });
  }

  function unwrap<T>(outcome: Outcome<T, string>, id: string): T {
    if (outcome.ok) return outcome.value;
    switch (outcome.reason) {
      case 'not_found':
        throw new SchedulerError('not_found', `schedule "${id}" does not exist`);
      case 'version_conflict':
        throw new SchedulerError(
          'version_conflict',
          `schedule "${id}" was changed by someone else; reload it and retry`,
        );
      case 'duplicate':
        throw new SchedulerError('conflict', `schedule "${id}" exists already`);
      case 'max_instances':
        throw new SchedulerError(
          'max_instances',
          `schedule "${id}" has reached maxInstances; try again when a job ends`,
        );
      default:
        throw new SchedulerError('conflict', `${outcome.reason} on "${id}"`);
    }
  }

  /**
   * Writes a new spec over a stored schedule; the next fire time restarts from now when the trigger
   * changed or it resumes, and otherwise stays what the store holds (the loop may have advanced it
   * since `current` was read).
   */
  async function write(current: Schedule, spec: ScheduleSpec, expectedVersion?: number): Promise<Schedule> {
    assertValidTrigger(spec.trigger);
    const rearm =
      JSON.stringify(spec.trigger) !== JSON.stringify(current.trigger) || (current.paused && !spec.paused);
    const draft: ScheduleUpdate = {
      ...spec,
      id: current.id,
      ...(rearm ? { nextRunAt: firstRun(spec, current.id, current.createdAt) } : {}),
    };
    const updated = unwrap(await store.updateSchedule(draft, clock.now(), expectedVersion), current.id);
    loop.wake();
    return updated;
  }

  return {
    ...reads,
    ...jobControl,
    start: () => loop.start(),
    wake: () => loop.wake(),
    async stop(stopOptions = {}) {
      await loop.stop(stopOptions.graceMs ?? 10_000);
      executor.close();
    },

    async createSchedule(body: CreateScheduleBody) {
      const { id: givenId, ...spec } = body;
      assertValidTrigger(spec.trigger);
      const id = givenId ?? newId();
      const now = clock.now();
      const created = unwrap(
        await store.createSchedule({ ...spec, id, nextRunAt: firstRun(spec, id, now) }, now),
        id,
      );
      loop.wake();
      return created;
    },
    async createSchedules(bodies) {
      const now = clock.now();
      const drafts = bodies.map(({ id: givenId, ...spec }) => {
        assertValidTrigger(spec.trigger);
        const id = givenId ?? newId();
        return { ...spec, id, nextRunAt: firstRun(spec, id, now) };
      });
      const outcome = await store.createSchedules(drafts, now);
      if (!outcome.ok) throw new SchedulerError('conflict', 'a schedule id of the batch exists already');
      loop.wake();
      return outcome.value;
    },
    async replaceSchedule(id, spec, expectedVersion) {
      return write(await getSchedule(id), spec, expectedVersion);
    },
    async patchSchedule(id, patch) {
      const { version, ...changes } = patch;
      const current = await getSchedule(id);
      const defined = Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined));
      return write(current, { ...current, ...defined }, version);
    },
    async deleteSchedule(id, expectedVersion) {
      unwrap(await store.deleteSchedule(id, expectedVersion), id);
      loop.wake();
    },
    async pauseSchedule(id) {
      const current = await getSchedule(id);
      return current.paused ? current : write(current, { ...current, paused: true });
    },
    async resumeSchedule(id) {
      const current = await getSchedule(id);
      return current.paused ? write(current, { ...current, paused: false }) : current;
    },
    async offeredTasks() {
      return [...(await servedTasks(executor, store))].sort();
    },
    async taskWarnings(task): Promise<ScheduleWarning[]> {
      if ((await servedTasks(executor, store)).has(task)) return [];
      const message = `no handler offers task "${task}" (no local handler, no registered worker): check its name; its jobs fail no_handler unless a handler that offers it registers`;
      return [{ code: 'no_handler_for_task', message }];
    },
    async runNow(id): Promise<Job> {
      await assertQueueRoom();
      const job = unwrap(
        await store.createManualJob(id, (schedule) => manualJobDraft(schedule, clock.now())),
        id,
      );
      loop.wake();
      return job;
    },
    async stats() {
      const [schedules, jobs] = await Promise.all([store.countSchedules(), store.countJobsByStatus()]);
      const { throttled } = executor.stats();
      return { schedules, jobs, running: loop.runningCount(), lateness: lateness.snapshot(), throttled };
    },
  };
}
