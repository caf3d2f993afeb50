export * from './schedule.ts';
export * from './http.ts';
export * from './link.ts';
