import {
  encodeStreamMessage,
  frameKindOf,
  HEARTBEAT_TOPIC,
  type KindMarks,
  REPLICATION_KINDS,
} from '@schedulezero/protocol';
import {
  type ChangeRow,
  silentLogger,
  systemClock,
  type TimerHandle,
  toError,
} from '@schedulezero/scheduler-core';
import { Publisher as PubSocket, Router } from 'zeromq';
import { errorCode, SocketSender } from './socket-sender.ts';
import { createSyncServer } from './sync-server.ts';
import type { Publisher, PublisherOptions, PublisherZone, ZoneStats } from './types.ts';

interface ZoneRuntime {
  name: string;
  pub: PubSocket;
  router: Router;
  server: ReturnType<typeof createSyncServer>;
  reading: Promise<void>;
  epoch: string;
  published: number;
  marks: KindMarks;
  stats: ZoneStats;
}

/** Requests are a few hundred bytes; ZeroMQ cuts a peer that sends more than this. */
const MAX_REQUEST_BYTES = 64 * 1024;

/**
 * The master's side of replication: per zone a PUB that carries every committed change-log row
 * and a heartbeat with the last seq sent, and a ROUTER that serves catch-up pages and snapshots.
 * Rows are tailed from the store, never taken from the writer, so what is published is what
 * committed, in seq order, also when another master process wrote it.
 */
export function createPublisher(options: PublisherOptions): Publisher {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const { store } = options;
  const heartbeatMs = options.heartbeatMs ?? 1_000;
  const pageSize = options.pageSize ?? 500;
  const pollMs = options.pollMs ?? 250;
  const retention = options.retention;
  const runtimes: ZoneRuntime[] = [];
  const timers: Record<'poll' | 'heartbeat' | 'prune', TimerHandle | undefined> = {
    poll: undefined,
    heartbeat: undefined,
    prune: undefined,
  };
  let state: 'new' | 'starting' | 'started' | 'closed' = 'new';
  let tailing: Promise<void> | undefined;
  let pruning: Promise<void> | undefined;
  let again = false;
  let heartbeatDue = false;
  /** The head is checked (epoch, a log that went back) on the timers, not on every commit. */
  let verifyDue = true;

  async function openZone(zone: PublisherZone): Promise<ZoneRuntime> {
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
    const replies = new SocketSender(router);
    const server = createSyncServer({
      zone: zone.name,
      store,
      pageSize,
      maxPageBytes: options.maxPageBytes ?? 4 * 1024 * 1024,
      snapshotTtlMs: options.snapshotTtlMs ?? 60_000,
      maxSnapshots: options.maxSnapshots ?? 4,
      clock,
      logger,
      stats,
      send: (frames) => replies.send(frames),
    });
    // Rows before the start are served by catch-up; the marks cannot be known cheaply, so they are
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

  async function readRequests(zone: ZoneRuntime): Promise<void> {
    try {
      for await (const frames of zone.router) zone.server.handle(frames);
    } catch (error) {
      if (state !== 'closed') logger.error({ zone: zone.name, err: toError(error) }, 'sync reader stopped');
    }
  }

  /** Resets a stream's position when the log is not where this publisher left it. */
  function restart(zone: ZoneRuntime, seq: number, why: string): void {
    logger.warn({ zone: zone.name, from: zone.published, to: seq }, why);
    zone.published = seq;
    for (const kind of REPLICATION_KINDS) zone.marks[kind] = Math.max(zone.marks[kind], seq);
  }

  async function send(zone: ZoneRuntime, frames: Uint8Array[]): Promise<void> {
    try {
      // Only the tail loop sends on a PUB, one frame at a time; a PUB drops at its HWM, never blocks.
      await zone.pub.send(frames);
    } catch (error) {
      const code = errorCode(error);
      zone.stats.sendErrors[code] = (zone.stats.sendErrors[code] ?? 0) + 1;
    }
  }

  async function publishRow(zone: ZoneRuntime, row: ChangeRow): Promise<void> {
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

  async function tailZone(zone: ZoneRuntime, verify: boolean): Promise<void> {
    if (verify) {
      const head = await store.changeHead(zone.name);
      if (head.epoch !== zone.epoch) {
        zone.epoch = head.epoch;
        restart(zone, head.seq, 'the database has a new epoch: publishing from its head');
      } else if (head.seq < zone.published)
        restart(zone, head.seq, 'the log went back (a restored database?)');
    }
    for (;;) {
      const rows = await store.readChanges(zone.name, zone.published + 1, pageSize);
      const first = rows[0];
      if (first === undefined) return;
      if (first.seq > zone.published + 1)
        restart(zone, first.seq - 1, 'rows were pruned before they were published');
      for (const row of rows) await publishRow(zone, row);
      if (rows.length < pageSize || state !== 'started') return;
    }
  }

  async function heartbeat(zone: ZoneRuntime): Promise<void> {
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

  /** Tails every zone until no notify came in meanwhile; heartbeats go after a tail, so they show its end. */
  async function tailLoop(): Promise<void> {
    // Commits of one turn of the event loop are tailed together.
    await new Promise((resolve) => setImmediate(resolve));
    while (again && state === 'started') {
      again = false;
      const verify = verifyDue;
      verifyDue = false;
      for (const zone of runtimes) {
        try {
          await tailZone(zone, verify);
        } catch (error) {
          logger.error({ zone: zone.name, err: toError(error) }, 'tailing the change log failed');
        }
      }
      if (heartbeatDue) {
        heartbeatDue = false;
        for (const zone of runtimes) await heartbeat(zone);
      }
    }
  }

  function notify(): void {
    if (state !== 'started') return;
    again = true;
    tailing ??= tailLoop().finally(() => {
      tailing = undefined;
      // A notify between the loop's last check and here found `tailing` set: run again for it.
      if (again) notify();
    });
  }

  async function prune(): Promise<void> {
    if (retention === undefined || (retention.keepRows === undefined && retention.maxAgeMs === undefined))
      return;
    const olderThan =
      retention.maxAgeMs === undefined ? undefined : new Date(clock.now().getTime() - retention.maxAgeMs);
    for (const zone of runtimes) {
      try {
        const result = await store.pruneChanges(zone.name, { keepRows: retention.keepRows, olderThan });
        zone.stats.pruned += result.deleted;
        zone.stats.oldestSeq = result.oldestSeq;
        if (result.deleted > 0) logger.info({ zone: zone.name, ...result }, 'pruned the change log');
      } catch (error) {
        logger.error({ zone: zone.name, err: toError(error) }, 'pruning the change log failed');
      }
    }
  }

  function every(name: keyof typeof timers, ms: number, tick: () => void): void {
    timers[name] = clock.setTimer(() => {
      if (state !== 'started') return;
      every(name, ms, tick);
      tick();
    }, ms);
  }

  return {
    async start() {
      if (state !== 'new') throw new Error('a publisher starts once');
      state = 'starting';
      try {
        for (const zone of options.zones) runtimes.push(await openZone(zone));
      } catch (error) {
        for (const zone of runtimes.splice(0)) {
          zone.pub.close();
          zone.router.close();
        }
        state = 'closed';
        throw error;
      }
      state = 'started';
      for (const zone of runtimes) {
        zone.reading = readRequests(zone);
        logger.info(
          {
            zone: zone.name,
            publish: zone.stats.publishEndpoint,
            sync: zone.stats.syncEndpoint,
            seq: zone.published,
          },
          'replication zone publishing',
        );
      }
      every('poll', pollMs, () => {
        verifyDue = true;
        notify();
      });
      every('heartbeat', heartbeatMs, () => {
        verifyDue = true;
        heartbeatDue = true;
        notify();
      });
      every('prune', retention?.intervalMs ?? 60_000, () => {
        pruning ??= prune().finally(() => {
          pruning = undefined;
        });
      });
      pruning = prune().finally(() => {
        pruning = undefined;
      });
      heartbeatDue = true;
      notify();
    },

    notify,

    async close() {
      if (state === 'closed') return;
      state = 'closed';
      for (const timer of Object.values(timers)) if (timer) clock.clearTimer(timer);
      await Promise.all([tailing, pruning]);
      // No new requests; the ones in flight finish their reads (their replies may fail, counted).
      for (const zone of runtimes) zone.router.close();
      await Promise.all(runtimes.map((zone) => zone.reading));
      await Promise.all(runtimes.map((zone) => zone.server.idle()));
      for (const zone of runtimes) zone.pub.close();
    },

    stats() {
      return {
        zones: runtimes.map((zone) => ({ ...zone.stats, epoch: zone.epoch, publishedSeq: zone.published })),
      };
    },
  };
}
