import type { Job, Schedule } from '@schedulezero/protocol';
import { type Html, h } from '../format/html.ts';
import { relativeTime, timeInZone } from '../format/time-format.ts';

/**
 * What a schedule will do next, as an operator reads it: paused (whatever next time the store
 * keeps), finished (a one-shot that has fired), ended (a trigger with no further fire time), or
 * its next run.
 */
export type RunState =
  | { kind: 'paused' }
  | { kind: 'finished' }
  | { kind: 'ended' }
  | { kind: 'next'; at: Date };

export function runState(schedule: Schedule): RunState {
  if (schedule.paused) return { kind: 'paused' };
  if (schedule.nextRunAt) return { kind: 'next', at: schedule.nextRunAt };
  return schedule.trigger.type === 'date' ? { kind: 'finished' } : { kind: 'ended' };
}

/** The zone a schedule's times are read in (its cron time zone; UTC otherwise). */
export function zoneOf(schedule: Schedule): string {
  return schedule.trigger.type === 'cron' ? (schedule.trigger.timezone ?? 'UTC') : 'UTC';
}

export function nextRunText(schedule: Schedule, now: Date): Html {
  const state = runState(schedule);
  if (state.kind === 'paused') return h`<span class="muted">paused: no run until resumed</span>`;
  if (state.kind === 'finished') return h`<span class="muted">finished: this one-shot has fired</span>`;
  if (state.kind === 'ended') return h`<span class="muted">none: the trigger has no further fire time</span>`;
  return h`${relativeTime(state.at, now)}<br><span class="muted">${timeInZone(state.at, zoneOf(schedule))}</span>`;
}

/**
 * When it last ran: the store's last fire time, or the newest job when that is later (a manual
 * run creates a job without moving the trigger's last fire time).
 */
export function lastRunOf(schedule: Schedule, jobs: readonly Job[]): Date | null {
  const times = [schedule.lastRunAt, ...jobs.map((job) => job.startedAt ?? job.scheduledAt)];
  const known = times.filter((at): at is Date => at !== null);
  return known.length === 0 ? null : new Date(Math.max(...known.map((at) => at.getTime())));
}
