export * from './http.ts';
export * from './link.ts';
export * from './schedule.ts';
