// Replication: the zones' projection of the change log, the master's per-zone publisher
// (PUB + catch-up ROUTER) and the replica's subscriber.
export { createPublisher } from './publisher.ts';
export { createSubscriber } from './subscriber.ts';
export type {
  AppliedEvent,
  ConfigureSocket,
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
  ZoneStats,
} from './types.ts';
export { createZoneProjector } from './zone-projector.ts';
