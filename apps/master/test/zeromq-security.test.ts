import { Writable } from 'node:stream';
import { createLogger } from '@schedulezero/node-runtime';
import { type CurveKeyPair, generateKeyPair } from '@schedulezero/security-filter';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type EventType, Publisher, type Socket, Subscriber } from 'zeromq';
import { type ServerSecurity, startServerSecurity } from '../src/zeromq-security.ts';

/**
 * The master's ZeroMQ security with real sockets on 127.0.0.1: one refused connection attempt is
 * one refusal, counted once and logged once, whatever refused it (the ZAP handler or the
 * handshake itself).
 */

const DOMAIN = 'replication.test';
// A refused client would retry after this; far beyond the test, so it tries exactly once.
const NO_RETRY_MS = 600_000;

let server: CurveKeyPair;
let replica: CurveKeyPair;
let security: ServerSecurity | undefined;
let sockets: Socket[];
let refused: string[];
let logs: Array<Record<string, unknown>>;

beforeEach(async () => {
  server = generateKeyPair();
  replica = generateKeyPair();
  sockets = [];
  refused = [];
  logs = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line) logs.push(JSON.parse(line));
      done();
    },
  });
  const started = await startServerSecurity(
    [
      {
        setting: 'replication.zones.test',
        domain: DOMAIN,
        secretKey: { inline: server.secretKey.reveal() },
        clientKeys: [replica.publicKey],
      },
    ],
    false,
    createLogger({ level: 'info', pretty: false, destination }),
    (domain) => refused.push(domain),
  );
  if (!started.ok) throw new Error(started.problems.join('\n'));
  security = started.security;
});

afterEach(async () => {
  for (const socket of sockets) socket.close();
  await security?.close();
  security = undefined;
});

function track<S extends Socket>(socket: S): S {
  sockets.push(socket);
  return socket;
}

/** A server socket as the master binds one, with its own watcher on the handshake event it expects. */
async function boundServer(expected: EventType): Promise<{ endpoint: string; failed: Promise<void> }> {
  const socket = track(new Publisher({ linger: 0 }));
  security?.configure(DOMAIN)(socket);
  // Registered after the master's own watcher: when this one runs, the master has counted.
  const failed = new Promise<void>((resolve) => socket.events.on(expected, () => resolve()));
  await socket.bind('tcp://127.0.0.1:*');
  return { endpoint: socket.lastEndpoint as string, failed };
}

function client(endpoint: string, keys?: { server: string; pair: CurveKeyPair }): Subscriber {
  const socket = track(new Subscriber({ linger: 0, reconnectInterval: NO_RETRY_MS }));
  if (keys) {
    socket.curveServerKey = keys.server;
    socket.curvePublicKey = keys.pair.publicKey;
    socket.curveSecretKey = keys.pair.secretKey.reveal();
  }
  socket.connect(endpoint);
  return socket;
}

const within = <T>(promise: Promise<T>, ms = 4_000): Promise<T> =>
  Promise.race([
    promise,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`nothing within ${ms} ms`)), ms)),
  ]);

describe('startServerSecurity', () => {
  it('counts and logs a key the ZAP handler refuses once, with the key', async () => {
    const { endpoint, failed } = await boundServer('handshake:error:auth');
    const stranger = generateKeyPair();
    client(endpoint, { server: server.publicKey, pair: stranger });
    await within(failed);
    expect(refused).toEqual([DOMAIN]);
    const lines = logs.filter((line) => line.msg === 'ZeroMQ connection refused');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      domain: DOMAIN,
      clientKey: stranger.publicKey,
      reason: 'key_not_allowed',
    });
    expect(logs.filter((line) => String(line.msg).includes('handshake'))).toEqual([]);
  });

  it('counts and logs a plaintext client once', async () => {
    const { endpoint, failed } = await boundServer('handshake:error:protocol');
    client(endpoint);
    await within(failed);
    expect(refused).toEqual([DOMAIN]);
    expect(logs.filter((line) => String(line.msg).startsWith('ZeroMQ handshake failed'))).toHaveLength(1);
  });

  it('counts and logs a client holding the wrong server key once', async () => {
    const { endpoint, failed } = await boundServer('handshake:error:protocol');
    client(endpoint, { server: generateKeyPair().publicKey, pair: replica });
    await within(failed);
    expect(refused).toEqual([DOMAIN]);
    expect(logs.filter((line) => String(line.msg).startsWith('ZeroMQ handshake failed'))).toHaveLength(1);
  });

  it('counts and logs a handshake refused because the ZAP handler stopped once', async () => {
    const { endpoint, failed } = await boundServer('handshake:error:other');
    await security?.zap.close();
    client(endpoint, { server: server.publicKey, pair: replica });
    await within(failed);
    expect(refused).toEqual([DOMAIN]);
    expect(logs.filter((line) => String(line.msg).startsWith('ZeroMQ handshake failed'))).toHaveLength(1);
  });

  it('admits a key on the allow-list without counting anything', async () => {
    const { endpoint } = await boundServer('handshake:error:auth');
    const admitted = client(endpoint, { server: server.publicKey, pair: replica });
    await within(new Promise<void>((resolve) => admitted.events.on('handshake', () => resolve())));
    expect(refused).toEqual([]);
  });
});
