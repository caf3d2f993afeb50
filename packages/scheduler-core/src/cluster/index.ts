export type { ClusterEvent } from './events.ts';
export {
  type ClusterMember,
  type ClusterMemberOptions,
  type ClusterMemberStats,
  createClusterMember,
} from './member.ts';
export type {
  ClusterStore,
  DeclaredDead,
  Instance,
  InstanceAddresses,
  InstanceRegistration,
  InstanceStatus,
  LeadershipEvent,
  LeadershipLogRow,
  LeaseOutcome,
  LeaseState,
} from './types.ts';
