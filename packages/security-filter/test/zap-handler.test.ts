import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Context, Dealer, Router } from 'zeromq';
import {
  configureCurveClient,
  configureCurveServer,
  configurePlaintextServer,
} from '../src/curve-sockets.ts';
import { type CurveKeyPair, generateKeyPair } from '../src/keys.ts';
import { ZapHandler, type ZapHandlerOptions } from '../src/zap-handler.ts';
import type { ZapRejection } from '../src/zap-policy.ts';
import { assertNoZapHandler, bindLoopback, EventLog, receiveWithin, SocketPool } from './zmq-harness.ts';

/**
 * The CURVE + ZAP link with real sockets on 127.0.0.1. What libzmq 4.3.5 (zeromq.js 6.8) does,
 * as these tests pin it down:
 * - ZAP refusal (400): both ends get `handshake:error:auth` with status 400; the client does not
 *   reconnect on its own afterwards.
 * - No ZAP handler in the socket's context and `zapEnforceDomain`: the server reports
 *   `handshake:error:other` (EFAULT); the client sees nothing until the connection drops.
 * - Wrong server key: the server reports ERR_ZMTP_CRYPTOGRAPHIC, the client only EPIPE, and keeps
 *   retrying. NULL client against a CURVE server: ERR_ZMTP_MECHANISM_MISMATCH on both ends. In
 *   these two cases ZAP is never asked.
 */

const pool = new SocketPool();
// A second context for the cross-context test. zeromq.js has no way to close a context; it is
// shut down when garbage-collected, so one for the whole file keeps GC timing out of the tests.
const otherContext = new Context();
let handlers: ZapHandler[] = [];
let server: CurveKeyPair;
let serverB: CurveKeyPair;
let alice: CurveKeyPair;
let mallory: CurveKeyPair;
let rejections: ZapRejection[];

beforeEach(() => {
  server = generateKeyPair();
  serverB = generateKeyPair();
  alice = generateKeyPair();
  mallory = generateKeyPair();
  rejections = [];
});

afterEach(async () => {
  pool.closeAll();
  for (const handler of handlers) await handler.close();
  handlers = [];
  await assertNoZapHandler();
});

async function startHandler(options: Partial<ZapHandlerOptions> = {}): Promise<ZapHandler> {
  const handler = new ZapHandler({
    domains: {
      'zone.a': { clientKeys: [alice.publicKey] },
      'zone.b': { clientKeys: [mallory.publicKey] },
    },
    onRejection: (rejection) => rejections.push(rejection),
    ...options,
  });
  handlers.push(handler);
  await handler.start();
  return handler;
}

async function curveServer(domain: string, keys = server, context?: Context) {
  const socket = pool.track(new Router(context ? { context } : {}));
  configureCurveServer(socket, { secretKey: keys.secretKey, domain });
  const events = new EventLog(socket);
  const endpoint = await bindLoopback(socket);
  return { socket, events, endpoint };
}

function curveClient(endpoint: string, keys: CurveKeyPair, serverKey = server.publicKey, context?: Context) {
  const socket = pool.track(new Dealer(context ? { context } : {}));
  configureCurveClient(socket, { serverKey, publicKey: keys.publicKey, secretKey: keys.secretKey });
  const events = new EventLog(socket);
  socket.connect(endpoint);
  return { socket, events };
}

async function exchange(srv: Router, client: Dealer): Promise<void> {
  await client.send('ping');
  const [routingId, body] = await receiveWithin(srv);
  expect(body?.toString()).toBe('ping');
  await srv.send([routingId as Buffer, 'pong']);
  const [reply] = await receiveWithin(client);
  expect(reply?.toString()).toBe('pong');
}

/** Nothing can have arrived at a server whose only handshake failed: a non-blocking receive says so. */
async function expectNothingReceived(srv: Router): Promise<void> {
  srv.receiveTimeout = 0;
  await expect(srv.receive()).rejects.toMatchObject({ code: 'EAGAIN' });
}

describe('ZAP handler with CURVE sockets', () => {
  it('admits an allowed key: the client exchanges messages with the server', async () => {
    const handler = await startHandler();
    const srv = await curveServer('zone.a');
    const client = curveClient(srv.endpoint, alice);
    await exchange(srv.socket, client.socket);
    expect(srv.socket.securityMechanism).toBe('curve');
    expect(handler.stats()).toMatchObject({ accepted: 1, rejected: 0 });
    expect(rejections).toEqual([]);
  });

  it('rejects an unknown key and reports it on both ends and to the callback', async () => {
    const handler = await startHandler();
    const srv = await curveServer('zone.a');
    const client = curveClient(srv.endpoint, generateKeyPair());
    const clientFailure = await client.events.waitFor('handshake:error:auth');
    expect(clientFailure.error.status).toBe(400);
    expect((await srv.events.waitFor('handshake:error:auth')).error.status).toBe(400);
    await expectNothingReceived(srv.socket);
    expect(client.events.has('handshake')).toBe(false);
    expect(rejections).toEqual([
      {
        domain: 'zone.a',
        address: '127.0.0.1',
        mechanism: 'CURVE',
        reason: 'key_not_allowed',
        clientKey: expect.any(String),
      },
    ]);
    expect(handler.stats()).toMatchObject({
      accepted: 0,
      rejected: 1,
      rejectedByReason: { key_not_allowed: 1 },
      rejectedByDomain: { 'zone.a': 1 },
    });
  });

  it('rejects a key allowed in domain A when it connects to domain B', async () => {
    await startHandler();
    const a = await curveServer('zone.a');
    const b = await curveServer('zone.b', serverB);
    const good = curveClient(a.endpoint, alice);
    await exchange(a.socket, good.socket);

    const crossing = curveClient(b.endpoint, alice, serverB.publicKey);
    await crossing.events.waitFor('handshake:error:auth');
    await expectNothingReceived(b.socket);
    expect(rejections).toEqual([
      expect.objectContaining({ domain: 'zone.b', reason: 'key_not_allowed', clientKey: alice.publicKey }),
    ]);
  });

  it('rejects a NULL (plaintext) client of a CURVE server before ZAP is asked', async () => {
    const handler = await startHandler();
    const srv = await curveServer('zone.a');
    const client = pool.track(new Dealer());
    const clientEvents = new EventLog(client);
    client.connect(srv.endpoint);
    const failure = await srv.events.waitFor('handshake:error:protocol');
    expect(failure.error.code).toBe('ERR_ZMTP_MECHANISM_MISMATCH');
    expect((await clientEvents.waitFor('handshake:error:protocol')).error.code).toBe(
      'ERR_ZMTP_MECHANISM_MISMATCH',
    );
    await expectNothingReceived(srv.socket);
    expect(handler.stats()).toMatchObject({ accepted: 0, rejected: 0 });
  });

  it('fails the handshake of a client that expects another server key', async () => {
    await startHandler();
    const srv = await curveServer('zone.a');
    const client = curveClient(srv.endpoint, alice, generateKeyPair().publicKey);
    const failure = await srv.events.waitFor('handshake:error:protocol');
    expect(failure.error.code).toBe('ERR_ZMTP_CRYPTOGRAPHIC');
    // The client learns nothing but a dropped connection.
    await client.events.waitFor('disconnect');
    expect(client.events.has('handshake')).toBe(false);
    await expectNothingReceived(srv.socket);
    expect(rejections).toEqual([]);
  });

  it('lets no new connection in after the handler stops (fail closed), while open ones keep working', async () => {
    const handler = await startHandler();
    const srv = await curveServer('zone.a');
    const before = curveClient(srv.endpoint, alice);
    await exchange(srv.socket, before.socket);

    await handler.close();
    expect(handler.running).toBe(false);
    const after = curveClient(srv.endpoint, alice);
    const failure = await srv.events.waitFor('handshake:error:other');
    expect(failure.error.code).toBe('EFAULT');
    expect(after.events.has('handshake')).toBe(false);
    await expectNothingReceived(srv.socket);
    await exchange(srv.socket, before.socket);
  });

  it('lets nobody in when no handler was ever started', async () => {
    const srv = await curveServer('zone.a');
    const client = curveClient(srv.endpoint, alice);
    await srv.events.waitFor('handshake:error:other');
    expect(client.events.has('handshake')).toBe(false);
    await expectNothingReceived(srv.socket);
  });

  it('guards only sockets of its own zeromq context (inproc is per context)', async () => {
    await startHandler();
    const srv = await curveServer('zone.a', server, otherContext);
    const refused = curveClient(srv.endpoint, alice, server.publicKey, otherContext);
    expect((await srv.events.waitFor('handshake:error:other')).error.code).toBe('EFAULT');
    expect(refused.events.has('handshake')).toBe(false);

    // One handler per context: the other context gets its own, and then admits.
    await startHandler({ context: otherContext });
    const client = curveClient(srv.endpoint, alice, server.publicKey, otherContext);
    await exchange(srv.socket, client.socket);
  });

  it('is one per context: a second handler in the same context fails to start', async () => {
    await startHandler();
    const second = new ZapHandler({ domains: {} });
    await expect(second.start()).rejects.toMatchObject({ code: 'zap_handler_in_use' });
    expect(second.running).toBe(false);
  });

  it('applies domain changes to the next handshake (key rotation)', async () => {
    const handler = await startHandler();
    const srv = await curveServer('zone.a');
    const fresh = generateKeyPair();
    const refused = curveClient(srv.endpoint, fresh);
    await refused.events.waitFor('handshake:error:auth');

    handler.setDomain('zone.a', { clientKeys: [alice.publicKey, fresh.publicKey] });
    const admitted = curveClient(srv.endpoint, fresh);
    await exchange(srv.socket, admitted.socket);

    handler.removeDomain('zone.a');
    const gone = curveClient(srv.endpoint, alice);
    await gone.events.waitFor('handshake:error:auth');
    expect(rejections.map((r) => r.reason)).toEqual(['key_not_allowed', 'unknown_domain']);
  });

  it('keeps answering when the rejection callback throws', async () => {
    const handler = await startHandler({
      onRejection: () => {
        throw new Error('logger down');
      },
    });
    const srv = await curveServer('zone.a');
    const stranger = curveClient(srv.endpoint, mallory);
    await stranger.events.waitFor('handshake:error:auth');
    const client = curveClient(srv.endpoint, alice);
    await exchange(srv.socket, client.socket);
    expect(handler.stats()).toMatchObject({ accepted: 1, rejected: 1 });
  });
});

describe('plaintext development mode', () => {
  async function plaintextServer(domain: string) {
    const socket = pool.track(new Router());
    configurePlaintextServer(socket, { domain });
    const events = new EventLog(socket);
    return { socket, events, endpoint: await bindLoopback(socket) };
  }

  it('rejects NULL clients of a domain not configured for plaintext', async () => {
    await startHandler();
    const srv = await plaintextServer('zone.a');
    const client = pool.track(new Dealer());
    const events = new EventLog(client);
    client.connect(srv.endpoint);
    expect((await events.waitFor('handshake:error:auth')).error.status).toBe(400);
    await expectNothingReceived(srv.socket);
    expect(rejections).toEqual([
      { domain: 'zone.a', address: '127.0.0.1', mechanism: 'NULL', reason: 'mechanism_not_allowed' },
    ]);
  });

  it('rejects PLAIN clients without reporting their credentials', async () => {
    await startHandler();
    const socket = pool.track(new Router());
    configurePlaintextServer(socket, { domain: 'zone.a' });
    socket.plainServer = true;
    const endpoint = await bindLoopback(socket);
    const client = pool.track(new Dealer());
    client.plainUsername = 'bob';
    client.plainPassword = 'hunter2-canary';
    const events = new EventLog(client);
    client.connect(endpoint);
    await events.waitFor('handshake:error:auth');
    expect(rejections).toHaveLength(1);
    expect(JSON.stringify(rejections)).not.toMatch(/hunter2-canary|bob/);
    expect(rejections[0]).toMatchObject({ mechanism: 'PLAIN', reason: 'mechanism_not_allowed' });
  });

  it('admits NULL clients only where the domain allows plaintext', async () => {
    await startHandler({ domains: { dev: { clientKeys: [], allowPlaintext: true } } });
    const srv = await plaintextServer('dev');
    const client = pool.track(new Dealer());
    client.connect(srv.endpoint);
    await exchange(srv.socket, client);
  });
});

describe('why zapEnforceDomain', () => {
  it('libzmq admits any CURVE client when no ZAP handler runs and the domain is not enforced', async () => {
    const socket = pool.track(new Router());
    configureCurveServer(socket, { secretKey: server.secretKey, domain: 'zone.a' });
    socket.zapEnforceDomain = false;
    const endpoint = await bindLoopback(socket);
    const client = curveClient(endpoint, generateKeyPair());
    await exchange(socket, client.socket);
  });
});
