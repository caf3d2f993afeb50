// Replication: the zones' projection of the change log, the master's per-zone publisher
// (PUB + catch-up ROUTER) and the replica's subscriber.

export { MAX_MASTERS } from './master-rotation.ts';
export { createPublisher } from './publisher.ts';
export { createSubscriber } from './subscriber.ts';
export type {
  AppliedEvent,
  ConfigureSocket,
  MasterEndpoints,
  Publisher,
  PublisherOptions,
  PublisherStats,
  PublisherZone,
  RetentionOptions,
  SocketRole,
  Subscriber,
  SubscriberEvents,
  SubscriberOptions,
  SubscriberState,
  SubscriberStatus,
  SwitchedEvent,
  ZoneStats,
} from './types.ts';
export { createZoneProjector } from './zone-projector.ts';
