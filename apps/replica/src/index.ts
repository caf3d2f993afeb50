export {
  type LoadReplicaConfigOptions,
  loadReplicaConfig,
  type ReplicaConfig,
  replicaConfigSchema,
  replicaZone,
} from './config.ts';
export {
  notReadyReason,
  READY_MAX_LAG_MS,
  type RunningReplica,
  type StartReplicaOptions,
  type StartReplicaResult,
  startReplica,
} from './replica.ts';
export {
  createSupervisedSubscriber,
  type SupervisedStatus,
  type SupervisedSubscriber,
} from './supervised-subscriber.ts';
