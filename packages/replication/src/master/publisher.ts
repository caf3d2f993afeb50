import { silentLogger, systemClock, type TimerHandle, toError } from '@schedulezero/scheduler-core';
import type { Publisher, PublisherOptions } from '../types.ts';
import { openZoneStream, sendHeartbeat, tailZone, type ZoneStream } from './zone-stream.ts';

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
  const context = { store, clock, logger, pageSize, options };
  const runtimes: ZoneStream[] = [];
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

  async function readRequests(zone: ZoneStream): Promise<void> {
    try {
      for await (const frames of zone.router) zone.server.handle(frames);
    } catch (error) {
      if (state !== 'closed') logger.error({ zone: zone.name, err: toError(error) }, 'sync reader stopped');
    }
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
          await tailZone(zone, context, verify, () => state === 'started');
        } catch (error) {
          logger.error({ zone: zone.name, err: toError(error) }, 'tailing the change log failed');
        }
      }
      if (heartbeatDue) {
        heartbeatDue = false;
        for (const zone of runtimes) await sendHeartbeat(zone, clock);
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
        for (const zone of options.zones) runtimes.push(await openZoneStream(zone, context));
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
