import type { HandlerStore } from './handler-store.ts';
import type { JobStore } from './job-store.ts';
import type { ScheduleStore } from './schedule-store.ts';

/**
 * What a read API asks of a store: the master's answers it, and so does a replica's, whose data
 * only its subscriber writes.
 */
export type ReadStore = Pick<ScheduleStore, 'getSchedule' | 'listSchedules' | 'countSchedules'> &
  Pick<JobStore, 'getJob' | 'listJobs' | 'countJobsByStatus'> &
  Pick<HandlerStore, 'listHandlers'>;
