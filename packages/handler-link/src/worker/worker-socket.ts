import type { Logger } from '@schedulezero/scheduler-core';
import { Dealer } from 'zeromq';
import { watchHandshake } from './handshake-watch.ts';
import type { LinkWorkerOptions } from './worker-types.ts';

/**
 * The worker's DEALER, its routing id the handler id, configured and connecting to the master, and
 * the watch of its handshakes (stopped on close: its retry timer would otherwise outlive the socket).
 */
export async function openDealer(
  options: LinkWorkerOptions,
  logger: Logger,
  maxBodyBytes: number,
): Promise<{ dealer: Dealer; handshakeWatch: { stop(): void } }> {
  const dealer = new Dealer({
    routingId: options.handlerId,
    // Send only over a completed connection; while the master is away sends fail at once and
    // results wait in the outbox instead of piling up inside ZeroMQ.
    immediate: true,
    sendTimeout: 0,
    // On close, give queued messages (last results, drain done) this long to leave.
    linger: 2_000,
    reconnectInterval: 100,
    reconnectMaxInterval: 5_000,
    maxMessageSize: maxBodyBytes * 4 + 64 * 1024,
  });
  try {
    await options.configureSocket?.(dealer);
    const handshakeWatch = watchHandshake(dealer, options.endpoint, logger, {
      ...(options.publicKey ? { publicKey: options.publicKey } : {}),
      ...(options.handshakeRetryMs !== undefined ? { retryMs: options.handshakeRetryMs } : {}),
    });
    dealer.connect(options.endpoint);
    return { dealer, handshakeWatch };
  } catch (error) {
    dealer.close();
    throw error;
  }
}
