import type { Trigger } from '@schedulezero/protocol';
import { absoluteTime } from './time-format.ts';

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const DAY_NAMES: Record<string, number> = { SUN: 0, MON: 1, TUE: 2, WED: 3, THU: 4, FRI: 5, SAT: 6 };
const INTEGER = /^\d{1,2}$/;

/**
 * A trigger in words for the common shapes ("every day at 09:00 Europe/Berlin", "every 5 minutes");
 * anything else falls back to the expression itself, so the words never lie.
 */
export function describeTrigger(trigger: Trigger): string {
  if (trigger.type === 'interval') return describeInterval(trigger.seconds);
  if (trigger.type === 'date') return `once at ${absoluteTime(new Date(trigger.at))}`;
  const words = describeCron(trigger.expression);
  const zone = trigger.timezone ?? 'UTC';
  return words === undefined ? `cron ${trigger.expression} ${zone}` : `${words} ${zone}`;
}

/**
 * The trigger as it is written, beside its words: the cron expression, or an interval's seconds
 * with its start, end and jitter, or a date's ISO text.
 */
export function triggerExpression(trigger: Trigger): string {
  if (trigger.type === 'cron') return `cron "${trigger.expression}" in ${trigger.timezone ?? 'UTC'}`;
  if (trigger.type === 'date') return `date ${trigger.at}`;
  const extras = [
    trigger.startAt ? `from ${trigger.startAt}` : '',
    trigger.endAt ? `until ${trigger.endAt}` : '',
    trigger.jitterSeconds ? `jitter up to ${trigger.jitterSeconds} s` : '',
  ].filter(Boolean);
  return [`interval ${trigger.seconds} s`, ...extras].join(', ');
}

export function describeInterval(seconds: number): string {
  const units: Array<[number, string]> = [
    [86_400, 'day'],
    [3_600, 'hour'],
    [60, 'minute'],
    [1, 'second'],
  ];
  for (const [size, unit] of units) {
    if (seconds >= size && seconds % size === 0) {
      const count = seconds / size;
      return count === 1 ? `every ${unit}` : `every ${count} ${unit}s`;
    }
  }
  return `every ${seconds} seconds`;
}

/** Words for a 5- or 6-field cron expression, or undefined when the shape is not a common one. */
export function describeCron(expression: string): string | undefined {
  const fields = expression.trim().split(/\s+/);
  if (fields.length === 6) {
    const [second, ...rest] = fields as [string, ...string[]];
    if (second === '0') return describeFive(rest);
    if (second === '*' && rest.every((field) => field === '*')) return 'every second';
    const step = /^\*\/(\d+)$/.exec(second);
    if (step && rest.every((field) => field === '*')) return `every ${step[1]} seconds`;
    return undefined;
  }
  return fields.length === 5 ? describeFive(fields) : undefined;
}

function describeFive(fields: string[]): string | undefined {
  const [minute, hour, dayOfMonth, month, dayOfWeek] = fields as [string, string, string, string, string];
  if (month !== '*') return undefined;
  const everyMinutes = /^\*\/(\d+)$/.exec(minute);
  if (hour === '*' && dayOfMonth === '*' && dayOfWeek === '*') {
    if (minute === '*') return 'every minute';
    if (everyMinutes) return everyMinutes[1] === '1' ? 'every minute' : `every ${everyMinutes[1]} minutes`;
    if (INTEGER.test(minute)) return `every hour at minute ${Number(minute)}`;
    return undefined;
  }
  const everyHours = /^\*\/(\d+)$/.exec(hour);
  if (everyHours && INTEGER.test(minute) && dayOfMonth === '*' && dayOfWeek === '*')
    return `every ${everyHours[1]} hours at minute ${Number(minute)}`;
  const times = clockTimes(minute, hour);
  if (times === undefined) return undefined;
  if (dayOfMonth === '*' && dayOfWeek === '*') return `every day at ${times}`;
  if (dayOfMonth === '*') {
    const days = weekdays(dayOfWeek);
    return days === undefined ? undefined : `${days} at ${times}`;
  }
  if (dayOfWeek === '*' && INTEGER.test(dayOfMonth))
    return `on day ${Number(dayOfMonth)} of every month at ${times}`;
  if (dayOfWeek === '*' && dayOfMonth === 'L') return `on the last day of every month at ${times}`;
  return undefined;
}

function clockTimes(minute: string, hour: string): string | undefined {
  if (!INTEGER.test(minute)) return undefined;
  const hours = hour.split(',');
  if (!hours.every((value) => INTEGER.test(value) && Number(value) < 24)) return undefined;
  if (Number(minute) > 59) return undefined;
  const times = hours.map((value) => `${value.padStart(2, '0')}:${minute.padStart(2, '0')}`);
  return times.length === 1 ? times[0] : `${times.slice(0, -1).join(', ')} and ${times.at(-1)}`;
}

function weekdays(field: string): string | undefined {
  const upper = field.toUpperCase();
  if (upper === '1-5' || upper === 'MON-FRI') return 'every weekday';
  if (upper === '0,6' || upper === '6,0' || upper === 'SAT,SUN' || upper === 'SUN,SAT')
    return 'every weekend day';
  const days = upper.split(',').map(dayIndex);
  if (days.some((day) => day === undefined)) return undefined;
  const names = days.map((day) => DAYS[day as number] as string);
  return `every ${names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`}`;
}

function dayIndex(value: string): number | undefined {
  if (value in DAY_NAMES) return DAY_NAMES[value];
  if (!INTEGER.test(value)) return undefined;
  const day = Number(value);
  return day <= 7 ? day % 7 : undefined;
}
