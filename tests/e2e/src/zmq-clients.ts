import { decodeSyncReply, encodeSyncRequest } from '@schedulezero/protocol';
import { Dealer, Subscriber } from 'zeromq';
import type { PlainKeyPair } from './curve-keys.ts';

/**
 * Raw ZeroMQ clients as a replica, a handler or an intruder would connect them, for the zone tests:
 * each takes CURVE keys or none, and each wait is bounded.
 */

/** A client's CURVE settings, or none: a plaintext (NULL) client. */
export type ClientKeys = { server: string; pair: PlainKeyPair } | 'plaintext';

// A refused client would retry after this: far beyond a test, so that it tries exactly once.
export const ONE_TRY = { reconnectInterval: 600_000 };

function curve(socket: Subscriber | Dealer, keys: ClientKeys): void {
  if (keys === 'plaintext') return;
  socket.curveServerKey = keys.server;
  socket.curvePublicKey = keys.pair.publicKey;
  socket.curveSecretKey = keys.pair.secretKey;
}

export function subscriber(endpoint: string, keys: ClientKeys, options: { reconnectInterval?: number } = {}) {
  const socket = new Subscriber({ linger: 0, ...options });
  curve(socket, keys);
  socket.subscribe(); // every topic
  socket.connect(endpoint);
  return socket;
}

/** A DEALER as a replica's catch-up client or a handler's link is, with CURVE unless plaintext. */
export function dealer(
  endpoint: string,
  keys: ClientKeys,
  options: { reconnectInterval?: number } = {},
): Dealer {
  const socket = new Dealer({ linger: 0, sendTimeout: 0, receiveTimeout: 100, ...options });
  curve(socket, keys);
  socket.connect(endpoint);
  return socket;
}

const isEagain = (error: unknown) => (error as { code?: string }).code === 'EAGAIN';

/**
 * Sends `request` and returns the first reply `accept` takes within `timeoutMs`, or undefined. The
 * request is sent again only while a send finds no peer (EAGAIN), so that it is answered once;
 * replies `accept` refuses (answers to an earlier request) are skipped.
 */
export async function reply(
  socket: Dealer,
  request: Uint8Array[],
  timeoutMs: number,
  accept: (frames: Buffer[]) => boolean = () => true,
): Promise<Buffer[] | undefined> {
  const deadline = Date.now() + timeoutMs;
  let sent = false;
  while (Date.now() < deadline) {
    if (!sent) {
      try {
        await socket.send(request);
        sent = true;
      } catch (error) {
        if (!isEagain(error)) throw error;
      }
    }
    try {
      const frames = await socket.receive();
      if (accept(frames)) return frames;
    } catch (error) {
      if (!isEagain(error)) throw error;
    }
  }
  return undefined;
}

const syncProbe = encodeSyncRequest({
  type: 'sync',
  requestId: 'probe',
  epoch: null,
  fromSeq: 1,
  limit: 10,
  kinds: null,
});

/** Whether a zone's sync ROUTER answered a catch-up request from the first page within `timeoutMs`. */
export async function syncAnswered(socket: Dealer, timeoutMs: number): Promise<boolean> {
  const frames = await reply(socket, syncProbe, timeoutMs);
  return frames !== undefined && decodeSyncReply(frames).ok;
}

/** Receives frames until `done` says so or time runs out; returns them as text. */
export async function receiveUntil(
  socket: Subscriber,
  done: (frames: string[][]) => boolean,
  timeoutMs: number,
): Promise<string[][]> {
  socket.receiveTimeout = 100;
  const frames: string[][] = [];
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !done(frames)) {
    try {
      frames.push((await socket.receive()).map((frame) => frame.toString('latin1')));
    } catch (error) {
      if (!isEagain(error)) throw error;
    }
  }
  return frames;
}

/** Polls `done` every 20 ms until it holds or `timeoutMs` passes; says which. */
export async function poll(done: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}
