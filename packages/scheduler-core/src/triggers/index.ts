export { MIN_INTERVAL_SECONDS } from './interval-trigger.ts';
export { MAX_FIRE_TIMES, nextFireTime, nextFireTimes, previewNext } from './next-fire-time.ts';
export { isKnownTimeZone } from './time-zone.ts';
export type { TriggerContext } from './trigger-context.ts';
export { validateTrigger } from './validate-trigger.ts';
