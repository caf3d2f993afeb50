import { afterEach, describe, expect, it } from 'vitest';
import { Dealer, Router } from 'zeromq';
import {
  configureCurveClient,
  configureCurveServer,
  configurePlaintextServer,
} from '../src/curve-sockets.ts';
import { generateKeyPair } from '../src/keys.ts';
import { SocketPool } from './zmq-harness.ts';

const pool = new SocketPool();
afterEach(() => pool.closeAll());

describe('socket helpers', () => {
  it('set CURVE server options with an enforced ZAP domain', () => {
    const { secretKey } = generateKeyPair();
    const socket = pool.track(new Router());
    configureCurveServer(socket, { secretKey, domain: 'replication.dmz' });
    expect(socket.curveServer).toBe(true);
    expect(socket.zapDomain).toBe('replication.dmz');
    expect(socket.zapEnforceDomain).toBe(true);
    expect(socket.securityMechanism).toBe('curve');
  });

  it('set CURVE client options', () => {
    const server = generateKeyPair();
    const client = generateKeyPair();
    const socket = pool.track(new Dealer());
    configureCurveClient(socket, { serverKey: server.publicKey, ...client });
    // zeromq.js 6.8 cannot read CURVE keys back (EINVAL); the mechanism and role tell the story.
    expect(socket.securityMechanism).toBe('curve');
    expect(socket.curveServer).toBe(false);
  });

  it('refuse a socket that is already bound: its listener would stay plaintext', async () => {
    const socket = pool.track(new Router());
    await socket.bind('tcp://127.0.0.1:*');
    const { secretKey } = generateKeyPair();
    expect(() => configureCurveServer(socket, { secretKey, domain: 'd' })).toThrow(
      expect.objectContaining({ code: 'invalid_socket' }),
    );
    expect(() => configurePlaintextServer(socket, { domain: 'd' })).toThrow(
      expect.objectContaining({ code: 'invalid_socket' }),
    );
  });

  it('refuse a socket that already connected, and a closed one', () => {
    const server = generateKeyPair();
    const client = generateKeyPair();
    const connected = pool.track(new Dealer());
    connected.connect('tcp://127.0.0.1:1');
    expect(() => configureCurveClient(connected, { serverKey: server.publicKey, ...client })).toThrow(
      expect.objectContaining({ code: 'invalid_socket' }),
    );
    const closed = pool.track(new Dealer());
    closed.close();
    expect(() => configureCurveClient(closed, { serverKey: server.publicKey, ...client })).toThrow(
      expect.objectContaining({ code: 'invalid_socket' }),
    );
  });

  it('refuse an empty domain, invalid keys and a pair that does not match', () => {
    const server = generateKeyPair();
    const client = generateKeyPair();
    const other = generateKeyPair();
    expect(() =>
      configureCurveServer(pool.track(new Router()), { secretKey: server.secretKey, domain: ' ' }),
    ).toThrow(expect.objectContaining({ code: 'invalid_config' }));
    expect(() => configureCurveClient(pool.track(new Dealer()), { serverKey: 'short', ...client })).toThrow(
      expect.objectContaining({ code: 'invalid_key', message: expect.stringContaining('serverKey') }),
    );
    expect(() =>
      configureCurveClient(pool.track(new Dealer()), {
        serverKey: server.publicKey,
        publicKey: other.publicKey,
        secretKey: client.secretKey,
      }),
    ).toThrow(expect.objectContaining({ code: 'key_mismatch' }));
  });
});
