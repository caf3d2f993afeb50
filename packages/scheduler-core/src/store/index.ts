export { type DatabaseTarget, parseDatabaseUrl } from './database-url.ts';
export { openReplicaStore, openStore } from './open-store.ts';
export type { ChangeFeed, ChangeHead, ChangeRetention, ChangeRow, Snapshot } from './ports/change-feed.ts';
export type {
  ClaimJobs,
  FinishJob,
  FirePlan,
  FirePlanner,
  FiringStore,
  Handoff,
  JobOutcome,
  ReleaseJob,
  UnservedJobs,
} from './ports/firing-store.ts';
export type { HandlerStore } from './ports/handler-store.ts';
export type { JobDraft, JobQuery, JobStore } from './ports/job-store.ts';
export type { ReadStore } from './ports/read-store.ts';
export type {
  ApplyReplicated,
  ApplySnapshot,
  ReplicaRefusal,
  ReplicaSink,
  ReplicaState,
  ReplicatedRow,
  ResetReplica,
} from './ports/replica-sink.ts';
export type { ScheduleDraft, ScheduleQuery, ScheduleStore, ScheduleUpdate } from './ports/schedule-store.ts';
export type { StoreConnection } from './ports/store-connection.ts';
export type { MasterStore, ReplicaStore } from './roles.ts';
export type { Change, ChangeProjector, ChangeRecord, Outcome, Page, StoreOptions } from './types.ts';
