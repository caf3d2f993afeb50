import type { Logger } from '@schedulezero/scheduler-core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { curveKeyPair, Router } from 'zeromq';
import { createLinkWorker } from '../src/worker/link-worker.ts';
import { closeAll, countTimers, eventually, expectNoLeakedTimers, track } from './helpers.ts';

/**
 * A worker that cannot complete its handshake with the master says so itself, within seconds,
 * naming the endpoint and the likely cause — over real CURVE sockets.
 */

const master = curveKeyPair();
const worker = curveKeyPair();

async function curveMaster(
  options: { zapDomain?: string } = {},
): Promise<{ router: Router; endpoint: string }> {
  const router = new Router({ curveServer: true, curveSecretKey: master.secretKey, linger: 0, ...options });
  await router.bind('tcp://127.0.0.1:*');
  track(async () => router.close());
  return { router, endpoint: router.lastEndpoint ?? '' };
}

/**
 * A ZAP handler (RFC 27) standing in for the master's: it refuses every key until `admit` is set,
 * as the master's refuses a key not on its allow-list until the operator adds it.
 */
async function zapHandler(): Promise<{ admit: boolean }> {
  const policy = { admit: false };
  const zap = new Router({ linger: 0 });
  await zap.bind('inproc://zeromq.zap.01');
  track(async () => zap.close());
  void (async () => {
    for await (const [address, empty, version, requestId] of zap) {
      const [status, text] = policy.admit ? ['200', 'OK'] : ['400', 'key not allowed'];
      await zap.send([
        address as Buffer,
        empty as Buffer,
        version as Buffer,
        requestId as Buffer,
        status,
        text,
        'user',
        '',
      ]);
    }
  })().catch(() => {});
  return policy;
}

function capture(): { logger: Logger; errors: Array<Record<string, unknown>> } {
  const errors: Array<Record<string, unknown>> = [];
  const ignore = () => {};
  return {
    errors,
    logger: {
      debug: ignore,
      info: ignore,
      warn: ignore,
      error: (fields, msg) => errors.push({ ...fields, msg }),
    },
  };
}

async function startWorker(endpoint: string, logger: Logger, serverKey: string | undefined): Promise<void> {
  const link = createLinkWorker({
    endpoint,
    handlerId: 'w',
    functions: { echo: () => 'ok' },
    capacity: 1,
    zone: 'z',
    logger,
    handshakeRetryMs: 200,
    ...(serverKey
      ? {
          publicKey: worker.publicKey,
          configureSocket: (socket) => {
            socket.curveServerKey = serverKey;
            socket.curvePublicKey = worker.publicKey;
            socket.curveSecretKey = worker.secretKey;
          },
        }
      : {}),
  });
  await link.start();
  track(() => link.close());
}

describe('a worker whose handshake fails', () => {
  beforeEach(countTimers);
  afterEach(async () => {
    await closeAll();
    await expectNoLeakedTimers();
  });

  it('with a wrong server key logs that worker.serverKey is wrong, once, within seconds', async () => {
    const { endpoint } = await curveMaster();
    const { logger, errors } = capture();
    await startWorker(endpoint, logger, curveKeyPair().publicKey);
    await eventually(() => expect(errors.length).toBeGreaterThan(0), { timeoutMs: 5_000 });
    expect(errors[0]).toMatchObject({
      endpoint,
      msg: `CURVE handshake with ${endpoint} failed: wrong server key: worker.serverKey must be the public key of the master's handler link (the pair of its handlers.secretKeyFile)`,
    });
    // The worker retries every 100 ms or so; the log says it once, not at every retry.
    expect(errors).toHaveLength(1);
  });

  it('whose key the master refuses logs the key to add, and gets in once the key is admitted', async () => {
    const zap = await zapHandler();
    const { router, endpoint } = await curveMaster({ zapDomain: 'link' });
    const { logger, errors } = capture();
    await startWorker(endpoint, logger, master.publicKey);
    await eventually(() => expect(errors.length).toBeGreaterThan(0), { timeoutMs: 5_000 });
    expect(errors[0]).toMatchObject({
      endpoint,
      status: 400,
      msg: `CURVE handshake with ${endpoint} failed: the master does not know this worker's key: add its public key ${worker.publicKey} to the master's handlers.clientKeys`,
    });
    // libzmq does not reconnect after a refusal; the worker does, so adding the key is enough.
    zap.admit = true;
    router.receiveTimeout = 5_000;
    const [, , type] = await router.receive();
    expect(String(type)).toBe('register');
  });

  it('in plaintext against a CURVE master logs that the master requires CURVE', async () => {
    const { endpoint } = await curveMaster();
    const { logger, errors } = capture();
    await startWorker(endpoint, logger, undefined);
    await eventually(() => expect(errors.length).toBeGreaterThan(0), { timeoutMs: 5_000 });
    expect(errors[0]?.msg).toBe(
      `handshake with ${endpoint} failed: the master requires CURVE: set worker.serverKey and this worker's key pair (security.secretKeyFile)`,
    );
  });
});
