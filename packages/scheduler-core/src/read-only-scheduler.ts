import type { Trigger } from '@schedulezero/protocol';
import { type Clock, systemClock } from './clock.ts';
import { SchedulerError } from './errors.ts';
import { createLatencyHistogram } from './latency-histogram.ts';
import type { ReadScheduler } from './scheduler-types.ts';
import type { ReadStore } from './store/ports/read-store.ts';
import { nextFireTimes, validateTrigger } from './triggers/index.ts';

/** Throws `validation` naming every problem of a trigger (`trigger.expression`, ...). */
export function assertValidTrigger(trigger: Trigger): void {
  const details = validateTrigger(trigger);
  if (details.length > 0) {
    throw new SchedulerError('validation', details.map((d) => `${d.path}: ${d.message}`).join('; '), {
      details,
    });
  }
}

export interface ReadOnlySchedulerOptions {
  store: ReadStore;
  clock?: Clock;
}

/**
 * The read half of a scheduler over a store that something else writes (a replica's, written by
 * its subscriber): no run loop, no executor, nothing it could write. Errors are the scheduler's
 * (`not_found`, `validation`), so the HTTP layer answers a replica exactly as it answers the master.
 */
export function createReadOnlyScheduler(options: ReadOnlySchedulerOptions): ReadScheduler {
  const { store } = options;
  const clock = options.clock ?? systemClock;
  const noLateness = createLatencyHistogram().snapshot();

  async function getSchedule(id: string) {
    const schedule = await store.getSchedule(id);
    if (!schedule) throw new SchedulerError('not_found', `schedule "${id}" does not exist`);
    return schedule;
  }

  return {
    getSchedule,
    listSchedules: (query) => store.listSchedules(query),
    async nextFireTimes(id, count, from) {
      const schedule = await getSchedule(id);
      return nextFireTimes(schedule.trigger, from ?? clock.now(), count, {
        anchor: schedule.createdAt,
        seed: schedule.id,
      });
    },
    previewTrigger(trigger, count, from) {
      assertValidTrigger(trigger);
      const start = from ?? clock.now();
      return nextFireTimes(trigger, start, count, { anchor: start, seed: '' });
    },
    async getJob(id) {
      const job = await store.getJob(id);
      if (!job) throw new SchedulerError('not_found', `job "${id}" does not exist`);
      return job;
    },
    listJobs: (query) => store.listJobs(query),
    listHandlers: () => store.listHandlers(),
    async stats() {
      const [schedules, jobs] = await Promise.all([store.countSchedules(), store.countJobsByStatus()]);
      return { schedules, jobs, running: 0, lateness: noLateness, throttled: [] };
    },
  };
}
