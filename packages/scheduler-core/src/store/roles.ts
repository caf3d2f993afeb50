import type { ClusterStore } from '../cluster/types.ts';
import type { ChangeFeed } from './ports/change-feed.ts';
import type { FiringStore } from './ports/firing-store.ts';
import type { HandlerStore } from './ports/handler-store.ts';
import type { JobStore } from './ports/job-store.ts';
import type { ReadStore } from './ports/read-store.ts';
import type { ReplicaSink } from './ports/replica-sink.ts';
import type { ScheduleStore } from './ports/schedule-store.ts';
import type { StoreConnection } from './ports/store-connection.ts';

/**
 * The store a master opens (`openStore`): it serves the API, fires schedules and runs jobs, keeps
 * the handler registry and publishes its change feed. Two implementations (SQLite and PostgreSQL,
 * both on drizzle-orm) pass the same contract suite.
 */
export interface MasterStore
  extends StoreConnection,
    ScheduleStore,
    JobStore,
    HandlerStore,
    FiringStore,
    ChangeFeed {
  /** The instance registry and leader lease of a cluster of masters; PostgreSQL only. */
  readonly cluster?: ClusterStore;
}

/**
 * The store a replica opens (`openReplicaStore`): the reads its API answers, and the sink its
 * subscriber writes the master's stream into. It fires nothing and publishes nothing.
 */
export interface ReplicaStore extends StoreConnection, ReadStore, ReplicaSink {}
