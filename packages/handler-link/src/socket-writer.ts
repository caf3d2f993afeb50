import type { Writable } from 'zeromq';

export type SendOutcome = { ok: true } | { ok: false; code: string; error: unknown };

/**
 * Serialises sends on one ZeroMQ socket: zeromq.js allows a single send in progress per socket
 * (a second concurrent one throws EBUSY), while the link sends from timers, the reader loop and
 * `run()` at once. Sends never reject: a failure (EHOSTUNREACH from a mandatory ROUTER, EAGAIN
 * from a full or unconnected pipe) comes back as a value for the caller to act on.
 */
export class SocketWriter {
  readonly #socket: Writable;
  readonly #maxQueued: number;
  #tail: Promise<unknown> = Promise.resolve();
  #queued = 0;

  constructor(socket: Writable, options: { maxQueued?: number } = {}) {
    this.#socket = socket;
    this.#maxQueued = options.maxQueued ?? 10_000;
  }

  send(frames: Array<Uint8Array | string>): Promise<SendOutcome> {
    if (this.#queued >= this.#maxQueued) {
      return Promise.resolve({ ok: false, code: 'QUEUE_FULL', error: new Error('send queue full') });
    }
    this.#queued += 1;
    const outcome = this.#tail.then(async (): Promise<SendOutcome> => {
      try {
        await this.#socket.send(frames);
        return { ok: true };
      } catch (error) {
        return { ok: false, code: errorCode(error), error };
      } finally {
        this.#queued -= 1;
      }
    });
    this.#tail = outcome;
    return outcome;
  }

  /** Resolves when everything queued so far has been handed to ZeroMQ (or failed). */
  async idle(): Promise<void> {
    await this.#tail;
  }

  get queued(): number {
    return this.#queued;
  }
}

export function errorCode(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') {
    return error.code;
  }
  return 'UNKNOWN';
}
