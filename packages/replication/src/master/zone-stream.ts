import {
  encodeStreamMessage,
  frameKindOf,
  HEARTBEAT_TOPIC,
  type KindMarks,
  REPLICATION_KINDS,
} from '@schedulezero/protocol';
import type { ChangeFeed, ChangeRow, Clock, Logger } from '@schedulezero/scheduler-core';
import { Publisher as PubSocket, Router } from 'zeromq';
import { errorCode, SocketSender } from '../socket-sender.ts';
import type { PublisherOptions, PublisherZone, ZoneStats } from '../types.ts';
import { createSyncServer } from './sync-server.ts';

/** One zone's sockets and stream position on the master. */
export interface ZoneStream {
  name: string;
  pub: PubSocket;
  router: Router;
  server: ReturnType<typeof createSyncServer>;
  reading: Promise<void>;
  epoch: string;
  /** The last seq sent on the PUB. */
  published: number;
  /** The last seq of each kind sent (see `KindMarks`). */
  marks: KindMarks;
  stats: ZoneStats;
}

/** Requests are a few hundred bytes; ZeroMQ cuts a peer that sends more than this. */
const MAX_REQUEST_BYTES = 64 * 1024;

interface StreamContext {
  store: ChangeFeed;
  clock: Clock;
  logger: Logger;
  pageSize: number;
  options: PublisherOptions;
}

/** Binds a zone's PUB and ROUTER (after the `configureSocket` hook) at the log's current head. */
export async function openZoneStream(zone: PublisherZone, context: StreamContext): Promise<ZoneStream> {
  const { store, options } = context;
  const head = await store.changeHead(zone.name);
  const pub = new PubSocket({ linger: 0, sendHighWaterMark: options.sendHighWaterMark ?? 1000 });
  // mandatory: a reply to a replica that left fails fast instead of vanishing; sendTimeout bounds a stuck peer.
  const router = new Router({
    linger: 0,
    mandatory: true,
    sendTimeout: 1_000,
    maxMessageSize: MAX_REQUEST_BYTES,
  });
  try {
    await options.configureSocket?.(pub, 'publish', zone.name);
    await options.configureSocket?.(router, 'sync', zone.name);
    await pub.bind(zone.publish);
    await router.bind(zone.sync);
  } catch (error) {
    pub.close();
    router.close();
    throw error;
  }
  const stats: ZoneStats = {
    zone: zone.name,
    epoch: head.epoch,
    publishEndpoint: pub.lastEndpoint ?? zone.publish,
    syncEndpoint: router.lastEndpoint ?? zone.sync,
    publishedSeq: head.seq,
    subscribers: 0,
    oldestSeq: head.oldestSeq,
    published: 0,
    heartbeats: 0,
    syncRequests: 0,
    snapshotRequests: 0,
    snapshotsRead: 0,
    snapshotRequired: {},
    pruned: 0,
    dropped: {},
    sendErrors: {},
  };
  countSubscribers(pub, stats);
  const replies = new SocketSender(router);
  const server = createSyncServer({
    zone: zone.name,
    store,
    pageSize: context.pageSize,
    maxPageBytes: options.maxPageBytes ?? 4 * 1024 * 1024,
    snapshotTtlMs: options.snapshotTtlMs ?? 60_000,
    maxSnapshots: options.maxSnapshots ?? 4,
    clock: context.clock,
    logger: context.logger,
    stats,
    send: (frames) => replies.send(frames),
  });
  // Rows before the start are served by catch-up; their marks cannot be known cheaply, so they are
  // over-stated as the head: a filtered replica then asks the log once rather than miss a row.
  const marks = Object.fromEntries(REPLICATION_KINDS.map((kind) => [kind, head.seq])) as KindMarks;
  return {
    name: zone.name,
    pub,
    router,
    server,
    reading: Promise.resolve(),
    epoch: head.epoch,
    published: head.seq,
    marks,
    stats,
  };
}

/**
 * Keeps `stats.subscribers` at the number of connections on the PUB, from the socket's monitor
 * events (ZeroMQ hides its peers otherwise). The monitor ends with the socket.
 */
function countSubscribers(pub: PubSocket, stats: ZoneStats): void {
  pub.events.on('accept', () => {
    stats.subscribers += 1;
  });
  pub.events.on('disconnect', () => {
    stats.subscribers = Math.max(0, stats.subscribers - 1);
  });
}

/**
 * Publishes the zone's rows after `published`, in seq order. With `verify` it first checks the
 * log's head: a new epoch or a head below `published` (a replaced or restored database) restarts
 * the stream at that head; the replicas find out from the heartbeats and ask the log.
 */
export async function tailZone(
  zone: ZoneStream,
  context: StreamContext,
  verify: boolean,
  running: () => boolean,
): Promise<void> {
  const { store, logger } = context;
  const restart = (seq: number, why: string) => {
    logger.warn({ zone: zone.name, from: zone.published, to: seq }, why);
    zone.published = seq;
    for (const kind of REPLICATION_KINDS) zone.marks[kind] = Math.max(zone.marks[kind], seq);
  };
  if (verify) {
    const head = await store.changeHead(zone.name);
    if (head.epoch !== zone.epoch) {
      zone.epoch = head.epoch;
      restart(head.seq, 'the database has a new epoch: publishing from its head');
    } else if (head.seq < zone.published) restart(head.seq, 'the log went back (a restored database?)');
  }
  for (;;) {
    const rows = await store.readChanges(zone.name, zone.published + 1, context.pageSize);
    const first = rows[0];
    if (first === undefined) return;
    if (first.seq > zone.published + 1) restart(first.seq - 1, 'rows were pruned before they were published');
    for (const row of rows) await publishRow(zone, row);
    if (rows.length < context.pageSize || !running()) return;
  }
}

async function publishRow(zone: ZoneStream, row: ChangeRow): Promise<void> {
  const kind = frameKindOf(row.topic);
  const header = {
    kind,
    epoch: zone.epoch,
    seq: row.seq,
    masterTime: row.createdAt.getTime(),
    marks: { ...zone.marks },
  };
  await send(zone, encodeStreamMessage({ topic: row.topic, header, payload: row.payload }));
  if (kind !== 'other' && kind !== 'heartbeat') zone.marks[kind] = row.seq;
  zone.published = row.seq;
  zone.stats.published += 1;
}

/** The last seq sent and the marks up to it, stamped with the master's clock. */
export async function sendHeartbeat(zone: ZoneStream, clock: Clock): Promise<void> {
  const header = {
    kind: 'heartbeat' as const,
    epoch: zone.epoch,
    seq: zone.published,
    masterTime: clock.now().getTime(),
    marks: { ...zone.marks },
  };
  await send(zone, encodeStreamMessage({ topic: HEARTBEAT_TOPIC, header, payload: null }));
  zone.stats.heartbeats += 1;
}

async function send(zone: ZoneStream, frames: Uint8Array[]): Promise<void> {
  try {
    // Only the publisher's tail loop sends on a PUB, one frame at a time; a PUB drops at its HWM, never blocks.
    await zone.pub.send(frames);
  } catch (error) {
    const code = errorCode(error);
    zone.stats.sendErrors[code] = (zone.stats.sendErrors[code] ?? 0) + 1;
  }
}
