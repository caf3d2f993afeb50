export * from './schedule.ts';
export * from './link.ts';
