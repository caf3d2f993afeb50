export { type DatabaseTarget, parseDatabaseUrl } from './database-url.ts';
export { openStore } from './open-store.ts';
export { openPostgresStore } from './pg-store.ts';
export { openSqliteStore } from './sqlite-store.ts';
export type {
  Change,
  ChangeProjector,
  ChangeRecord,
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
  ScheduleDraft,
  ScheduleQuery,
  Store,
  StoreOptions,
} from './types.ts';
