// The HTTP API every node serves: the master read-write, replicas read-only over their own store.

export { type DataVersion, masterDataVersion, replicaDataVersion } from './caching/data-version.ts';
export { errorResponse, STATUS_BY_CODE } from './errors.ts';
export { bearerAuth } from './guards/auth.ts';
export { READ_ONLY_MESSAGE, readOnlyGuard } from './guards/read-only.ts';
export { createNodeApp, type NodeAppOptions } from './node-app.ts';
export { type MetricFamily, PROMETHEUS_CONTENT_TYPE, renderPrometheus } from './prometheus.ts';
export type { ClusterProvider } from './routes/cluster.ts';
export type { ReplicationProvider } from './routes/replication.ts';
export type { ComponentMetrics } from './routes/system.ts';
export type { ApiOptions, AppLogger } from './types.ts';
