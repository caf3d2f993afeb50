export * from './cluster.ts';
export * from './http.ts';
export * from './link.ts';
export * from './replication.ts';
export * from './schedule.ts';
