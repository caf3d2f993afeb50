import type { Logger } from '@schedulezero/scheduler-core';
import { capacityShare } from './capacity-share.ts';
import { createLinkWorker } from './link-worker.ts';
import { createSlotPool } from './slot-pool.ts';
import type { LinkWorker, LinkWorkerOptions, LinkWorkerStats } from './worker-types.ts';

export interface MultiLinkWorkerOptions
  extends Omit<LinkWorkerOptions, 'endpoint' | 'slots' | 'onStateChange'> {
  /** The handler-link ROUTER of every master of the cluster: one link to each. */
  endpoints: readonly string[];
}

export interface MultiLinkStats extends LinkWorkerStats {
  endpoint: string;
  /** The share of the worker's capacity this master is told. */
  capacity: number;
}

export interface MultiLinkWorkerStats extends Omit<LinkWorkerStats, 'masterId'> {
  /** Per master, in the order of `endpoints`. */
  links: MultiLinkStats[];
}

/** The worker's side of every master: `LinkWorker`'s life cycle, over all its links at once. */
export interface MultiLinkWorker extends Omit<LinkWorker, 'stats' | 'advertise'> {
  stats(): MultiLinkWorkerStats;
}

/**
 * A worker linked to several masters (`worker.masters`): one link per master, each with its own
 * socket, registration and jobs (a master cancels only what it sent, so running jobs stay per
 * link), and one slot pool for all of them, so the worker never runs more than `capacity` jobs in
 * total. Every master is told its share of the capacity (`capacityShare`); when a master goes
 * away its share goes to the others, and comes back when it registers again. A link whose master
 * still sends beyond the free slots (the moment shares change) refuses the job with `busy`.
 * Each link reconnects and registers again by itself, as a single link does.
 */
export function createMultiLinkWorker(options: MultiLinkWorkerOptions): MultiLinkWorker {
  const { endpoints, capacity, ...common } = options;
  if (endpoints.length === 0) throw new Error('list at least one master endpoint');
  if (capacity < endpoints.length)
    throw new Error(`capacity ${capacity} cannot give each of ${endpoints.length} masters a slot`);
  const slots = createSlotPool(capacity);
  const all = new Set(endpoints.map((_, index) => index));
  // Until the links have registered, each is told the share it has when every master is up.
  const shares = endpoints.map((_, index) => capacityShare(capacity, all, index));
  let resplitQueued = false;

  const links: LinkWorker[] = endpoints.map((endpoint, index) =>
    createLinkWorker({
      ...common,
      endpoint,
      capacity: shares[index] ?? capacity,
      slots,
      ...(common.logger && endpoints.length > 1 ? { logger: naming(common.logger, endpoint) } : {}),
      onDrainRequested: common.onDrainRequested ?? (() => void drain()),
      onStateChange: () => {
        // After the link's own handler has finished: a new share may send a registration.
        if (resplitQueued) return;
        resplitQueued = true;
        queueMicrotask(resplit);
      },
    }),
  );

  function resplit(): void {
    resplitQueued = false;
    const registered = new Set<number>();
    links.forEach((link, index) => {
      if (link.stats().state === 'registered') registered.add(index);
    });
    links.forEach((link, index) => {
      const share = capacityShare(capacity, registered, index);
      shares[index] = share;
      link.advertise(share);
    });
  }

  async function drain(): Promise<void> {
    await Promise.all(links.map((link) => link.drain()));
  }

  async function close(): Promise<void> {
    await Promise.all(links.map((link) => link.close()));
  }

  return {
    async start() {
      try {
        for (const link of links) await link.start();
      } catch (error) {
        await close();
        throw error;
      }
    },
    registered: () => Promise.race(links.map((link) => link.registered())),
    drain,
    close,
    stats() {
      const each = links.map((link, index) => ({
        ...link.stats(),
        endpoint: endpoints[index] ?? '',
        capacity: shares[index] ?? 0,
      }));
      const sum = (pick: (stats: LinkWorkerStats) => number) =>
        each.reduce((total, stats) => total + pick(stats), 0);
      const framesDropped: Record<string, number> = {};
      for (const stats of each) {
        for (const [reason, count] of Object.entries(stats.framesDropped))
          framesDropped[reason] = (framesDropped[reason] ?? 0) + count;
      }
      return {
        state: groupState(each.map((stats) => stats.state)),
        draining: each.some((stats) => stats.draining),
        registrations: sum((stats) => stats.registrations),
        running: sum((stats) => stats.running),
        completed: sum((stats) => stats.completed),
        rejected: sum((stats) => stats.rejected),
        pendingResults: sum((stats) => stats.pendingResults),
        framesDropped,
        links: each,
      };
    },
  };
}

/** Registered with any master; closed when every link is. */
function groupState(states: ReadonlyArray<LinkWorkerStats['state']>): LinkWorkerStats['state'] {
  if (states.includes('registered')) return 'registered';
  if (states.includes('registering')) return 'registering';
  return states.every((state) => state === 'closed') ? 'closed' : 'new';
}

/** Each line of a link's log names its master: several links say the same things. */
function naming(logger: Logger, endpoint: string): Logger {
  const add = (fields: object) => ({ master: endpoint, ...fields });
  return {
    debug: (fields, message) => logger.debug(add(fields), message),
    info: (fields, message) => logger.info(add(fields), message),
    warn: (fields, message) => logger.warn(add(fields), message),
    error: (fields, message) => logger.error(add(fields), message),
  };
}
