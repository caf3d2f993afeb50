import type { Socket } from 'zeromq';
import { SecurityError } from './errors.ts';
import { derivePublicKey, parsePublicKey, type SecretKey } from './keys.ts';

/**
 * Socket configuration for the two ends of a CURVE link. Both refuse a socket that has already
 * bound or connected: libzmq copies security options when an endpoint is created, so options set
 * afterwards leave that endpoint as it was (a listener stays plaintext while `securityMechanism`
 * already reports "curve").
 */

export interface CurveServerOptions {
  /** The server's own secret key; clients are given its public half as `serverKey`. */
  secretKey: SecretKey;
  /** The ZAP domain the ZAP handler decides for, one per endpoint (e.g. `replication.dmz`). */
  domain: string;
}

/**
 * Makes `socket` a CURVE server in ZAP domain `domain` with `zapEnforceDomain`: every handshake
 * asks the ZAP handler, and with no handler running (or one in another zeromq context) every
 * handshake fails. Call before `bind`.
 */
export function configureCurveServer(socket: Socket, options: CurveServerOptions): void {
  assertUnused(socket, 'configureCurveServer');
  assertDomain(options.domain);
  socket.curveServer = true;
  socket.curveSecretKey = options.secretKey.reveal();
  socket.zapDomain = options.domain;
  // Without this, libzmq admits every CURVE client when no ZAP handler answers ("Stonehouse").
  socket.zapEnforceDomain = true;
}

export interface CurveClientOptions {
  /** The server's public key; a handshake with any other server fails. */
  serverKey: string;
  /** This node's pair; the server's ZAP handler admits `publicKey` if it is on its allow-list. */
  publicKey: string;
  secretKey: SecretKey;
}

/** Makes `socket` a CURVE client. Call before `connect`. Throws when the pair does not match. */
export function configureCurveClient(socket: Socket, options: CurveClientOptions): void {
  assertUnused(socket, 'configureCurveClient');
  const serverKey = parsePublicKey(options.serverKey, 'serverKey');
  const publicKey = parsePublicKey(options.publicKey, 'publicKey');
  // A pair that does not match fails every handshake with nothing but EPIPE on this side; say why here.
  if (derivePublicKey(options.secretKey) !== publicKey) {
    throw new SecurityError('key_mismatch', 'publicKey does not belong to secretKey');
  }
  socket.curveServer = false;
  socket.curveServerKey = serverKey;
  socket.curvePublicKey = publicKey;
  socket.curveSecretKey = options.secretKey.reveal();
}

/**
 * Development only: a plaintext (NULL) server that still asks the ZAP handler, which admits its
 * peers only when `domain` is configured with `allowPlaintext`. Both switches must be on for a
 * plaintext link, so a forgotten one fails closed.
 */
export function configurePlaintextServer(socket: Socket, options: { domain: string }): void {
  assertUnused(socket, 'configurePlaintextServer');
  assertDomain(options.domain);
  socket.curveServer = false;
  socket.zapDomain = options.domain;
  socket.zapEnforceDomain = true;
}

function assertUnused(socket: Socket, what: string): void {
  if (socket.closed) throw new SecurityError('invalid_socket', `${what}: the socket is closed`);
  if (socket.lastEndpoint !== null) {
    throw new SecurityError(
      'invalid_socket',
      `${what}: the socket is already bound or connected (${socket.lastEndpoint}); security options apply only to later endpoints`,
    );
  }
}

function assertDomain(domain: string): void {
  if (domain.trim() === '') throw new SecurityError('invalid_config', 'a ZAP domain must not be empty');
}
