import type { Logger } from '@schedulezero/scheduler-core';
import type { Dealer } from 'zeromq';

/**
 * Says on the worker's side why it cannot reach the master, from the socket's handshake events.
 * Without this a worker with a wrong `worker.serverKey`, or one whose key the master does not
 * admit, sits at "registering" while only the master logs the refusal. A failure is logged at
 * once, then at most every `repeatMs` while it lasts; a handshake that succeeds after failures is
 * logged too.
 *
 * The events libzmq reports: `handshake:error:auth` when the master's ZAP handler refused the
 * worker's key (CURVE ERROR command, status 400); `handshake:error:other` when the master could not
 * open the worker's HELLO (it was sealed for another server key, so the master hangs up);
 * `handshake:error:protocol` when one side speaks CURVE and the other plaintext.
 *
 * After a refusal by ZAP libzmq does not reconnect by itself, so the worker would stay away even
 * once the operator has added its key: it connects again every `retryMs` itself.
 */

const REPEAT_MS = 30_000;
const RETRY_AFTER_REFUSAL_MS = 5_000;

export function watchHandshake(
  socket: Dealer,
  endpoint: string,
  logger: Logger,
  options: {
    /** This worker's CURVE public key, named in the message when the master refuses it. */
    publicKey?: string;
    repeatMs?: number;
    retryMs?: number;
    now?: () => number;
  } = {},
): { stop(): void } {
  const repeatMs = options.repeatMs ?? REPEAT_MS;
  const retryMs = options.retryMs ?? RETRY_AFTER_REFUSAL_MS;
  let retry: NodeJS.Timeout | undefined;
  let stopped = false;
  const now = options.now ?? Date.now;
  const curve = socket.securityMechanism === 'curve';
  let failures = 0;
  let loggedAt = Number.NEGATIVE_INFINITY;

  const failed = (why: string, fields: object) => {
    failures += 1;
    if (now() - loggedAt < repeatMs) return;
    loggedAt = now();
    logger.error(
      { endpoint, failures, ...fields },
      `${curve ? 'CURVE ' : ''}handshake with ${endpoint} failed: ${why}`,
    );
  };

  socket.events.on('handshake:error:auth', (event) => {
    const key = options.publicKey;
    failed(
      `the master does not know this worker's key: add its public key${key ? ` ${key}` : ''} to the master's handlers.clientKeys`,
      { status: event.error.status },
    );
    if (retry || stopped) return;
    retry = setTimeout(() => {
      retry = undefined;
      if (stopped || socket.closed) return;
      try {
        socket.disconnect(endpoint);
      } catch {
        // Already gone after the refusal: connecting again is all that is needed.
      }
      socket.connect(endpoint);
    }, retryMs);
  });
  socket.events.on('handshake:error:other', (event) => {
    failed(
      curve
        ? "wrong server key: worker.serverKey must be the public key of the master's handler link (the pair of its handlers.secretKeyFile)"
        : 'the master hung up during the handshake',
      { code: event.error.code },
    );
  });
  socket.events.on('handshake:error:protocol', (event) => {
    failed(
      curve
        ? 'the master does not speak CURVE on this endpoint'
        : "the master requires CURVE: set worker.serverKey and this worker's key pair (security.secretKeyFile)",
      { code: event.error.code },
    );
  });
  socket.events.on('handshake', () => {
    if (failures > 0) logger.info({ endpoint, failures }, `handshake with ${endpoint} succeeded`);
    failures = 0;
    loggedAt = Number.NEGATIVE_INFINITY;
  });
  return {
    stop() {
      stopped = true;
      if (retry) clearTimeout(retry);
      retry = undefined;
    },
  };
}
