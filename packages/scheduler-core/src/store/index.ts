export { type DatabaseTarget, parseDatabaseUrl } from './database-url.ts';
export { openStore } from './open-store.ts';
export { openPostgresStore } from './pg/store.ts';
export { openSqliteStore } from './sqlite/store.ts';
export type {
  ApplyReplicated,
  ApplySnapshot,
  Change,
  ChangeHead,
  ChangeProjector,
  ChangeRecord,
  ChangeRetention,
  ChangeRow,
  ClaimJobs,
  FinishJob,
  FirePlan,
  FirePlanner,
  JobDraft,
  JobOutcome,
  JobQuery,
  Outcome,
  Page,
  ReplicaRefusal,
  ReplicaState,
  ReplicatedRow,
  ResetReplica,
  ScheduleDraft,
  ScheduleQuery,
  ScheduleUpdate,
  Snapshot,
  Store,
  StoreOptions,
} from './types.ts';
