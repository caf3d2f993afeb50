import type { Writable } from 'zeromq';

export type SendOutcome = { ok: true } | { ok: false; code: string };

/**
 * One send at a time on a socket: zeromq.js throws EBUSY on a second concurrent send, while
 * replies leave from several request handlers at once. Sends never reject; a failure (e.g.
 * EHOSTUNREACH from a `mandatory` ROUTER whose peer left, EAGAIN after `sendTimeout`) comes back
 * as a value to count.
 */
export class SocketSender {
  readonly #socket: Writable;
  #tail: Promise<unknown> = Promise.resolve();

  constructor(socket: Writable) {
    this.#socket = socket;
  }

  send(frames: Array<Uint8Array | string>): Promise<SendOutcome> {
    const outcome = this.#tail.then(async (): Promise<SendOutcome> => {
      try {
        await this.#socket.send(frames);
        return { ok: true };
      } catch (error) {
        return { ok: false, code: errorCode(error) };
      }
    });
    this.#tail = outcome;
    return outcome;
  }

  /** Resolves when everything queued so far was handed to ZeroMQ (or failed). */
  async idle(): Promise<void> {
    await this.#tail;
  }
}

export function errorCode(error: unknown): string {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string'
    ? error.code
    : 'UNKNOWN';
}
