export * from './cluster.ts';
export * from './http.ts';
export * from './instant-limits.ts';
export * from './json-limits.ts';
export * from './link.ts';
export * from './replication.ts';
export * from './replication-topics.ts';
export * from './schedule.ts';
