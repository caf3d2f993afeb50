import type { Logger } from '@schedulezero/node-runtime';
import {
  createSubscriber,
  type Subscriber,
  type SubscriberOptions,
  type SubscriberStatus,
} from '@schedulezero/replication';

export interface SupervisedSubscriberOptions extends SubscriberOptions {
  logger: Logger;
  /** Out of touch with the master this long: close the sockets and connect afresh. Default 20 s. */
  restartAfterMs?: number;
  /** Backoff between restarts, doubling from `minBackoffMs` up to this; defaults 1 s and 60 s. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

export interface SupervisedStatus extends SubscriberStatus {
  /** Times the subscriber's sockets were closed and opened again (refused handshake, long silence). */
  restarts: number;
  lastRestartReason: string | null;
}

export interface SupervisedSubscriber {
  start(): Promise<void>;
  close(): Promise<void>;
  status(): SupervisedStatus;
}

const CARRIED = [
  'gaps',
  'resyncs',
  'snapshots',
  'appliedRows',
  'catchUpRows',
  'receivedChanges',
  'dropped',
  'errors',
  'masterSwitches',
] as const;

/**
 * Keeps a replica's subscriber connected. After a CURVE handshake the master's ZAP handler refused
 * (a key not yet allowed, a rotated server key), libzmq does not reconnect by itself; and a master
 * away for long may come back on another address. Either way the sockets are closed and the
 * subscriber is created again, with backoff: it resumes from the store's applied seq, so nothing is
 * lost or applied twice. Counters carry over restarts.
 */
export function createSupervisedSubscriber(options: SupervisedSubscriberOptions): SupervisedSubscriber {
  const { logger, restartAfterMs = 20_000, minBackoffMs = 1_000, maxBackoffMs = 60_000, ...rest } = options;
  const carried = zeroCarried();
  let current: Subscriber | undefined;
  let restarts = 0;
  let lastRestartReason: string | null = null;
  let backoffMs = minBackoffMs;
  let lastInTouch = Date.now();
  let restarting: Promise<void> | undefined;
  let closed = false;
  let watchdog: NodeJS.Timeout | undefined;
  let backoffTimer: NodeJS.Timeout | undefined;
  let wakeBackoff: (() => void) | undefined;

  function create(): Subscriber {
    return createSubscriber({
      ...rest,
      logger,
      configureSocket: async (socket, role, zone) => {
        await rest.configureSocket?.(socket, role, zone);
        socket.events.on('handshake:error:auth', (event) => {
          logger.warn(
            { zone, role, address: event.address, error: event.error.message },
            'the master refused this replica (ZAP): check that its public key is in the zone clientKeys',
          );
          restart('handshake refused');
        });
      },
    });
  }

  function restart(reason: string): void {
    if (closed || restarting) return;
    restarting = (async () => {
      const old = current;
      current = undefined;
      if (old) {
        const status = old.status();
        for (const key of CARRIED) carried[key] += status[key];
        await old
          .close()
          .catch((error: unknown) => logger.warn({ err: error }, 'closing the subscriber failed'));
      }
      restarts += 1;
      lastRestartReason = reason;
      logger.info({ reason, backoffMs }, 'reconnecting to the master');
      await new Promise<void>((resolve) => {
        wakeBackoff = resolve;
        backoffTimer = setTimeout(resolve, backoffMs);
      });
      backoffMs = Math.min(maxBackoffMs, backoffMs * 2);
      if (closed) return;
      const next = create();
      await next.start();
      current = next;
      lastInTouch = Date.now();
    })()
      .catch((error: unknown) => logger.error({ err: error }, 'reconnecting failed; trying again'))
      .finally(() => {
        restarting = undefined;
        if (!current && !closed) restart('reconnect failed');
      });
  }

  function watch(): void {
    const status = current?.status();
    if (!status) return;
    if (status.connected) {
      lastInTouch = Date.now();
      backoffMs = minBackoffMs;
    } else if (Date.now() - lastInTouch > restartAfterMs) {
      restart(`no word from the master for ${Math.round((Date.now() - lastInTouch) / 1000)} s`);
    }
  }

  function status(): SupervisedStatus {
    const base = current?.status() ?? lastStatus;
    const summed = { ...base };
    for (const key of CARRIED) summed[key] = base[key] + carried[key];
    if (!current) summed.connected = false;
    return { ...summed, restarts, lastRestartReason };
  }

  // What status() shows between a close and the next start.
  let lastStatus: SubscriberStatus;

  return {
    async start() {
      current = create();
      await current.start();
      lastStatus = current.status();
      watchdog = setInterval(() => {
        if (current) lastStatus = { ...current.status(), ...zeroCarried() };
        watch();
      }, 1_000);
      watchdog.unref();
    },
    async close() {
      closed = true;
      if (watchdog) clearInterval(watchdog);
      if (backoffTimer) clearTimeout(backoffTimer);
      wakeBackoff?.();
      await restarting;
      await current?.close();
    },
    status,
  };
}

/** lastStatus keeps the state and positions; its counters are already in `carried` once closed. */
function zeroCarried(): Pick<SubscriberStatus, (typeof CARRIED)[number]> {
  return Object.fromEntries(CARRIED.map((key) => [key, 0])) as Pick<
    SubscriberStatus,
    (typeof CARRIED)[number]
  >;
}
