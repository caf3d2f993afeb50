// Replication: the zones' projection of the change log, the master's per-zone publisher
// (PUB + catch-up ROUTER) and the replica's subscriber.

export { createPublisher } from './master/publisher.ts';
export { createZoneProjector } from './master/zone-projector.ts';
export { MAX_MASTERS } from './replica/master-rotation.ts';
export { createSubscriber } from './replica/subscriber.ts';
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
