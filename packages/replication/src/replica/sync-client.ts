import { randomBytes } from 'node:crypto';
import {
  decodeSyncReply,
  encodeSyncRequest,
  type SyncReplyMessage,
  type SyncRequestMessage,
} from '@schedulezero/protocol';
import { type Clock, type Logger, type TimerHandle, toError } from '@schedulezero/scheduler-core';
import type { Dealer } from 'zeromq';
import { errorCode } from '../socket-sender.ts';

type Request = SyncRequestMessage extends infer M
  ? M extends unknown
    ? Omit<M, 'requestId'>
    : never
  : never;

interface Pending {
  resolve: (reply: SyncReplyMessage) => void;
  reject: (error: Error) => void;
  timer: TimerHandle;
}

export class RequestTimeout extends Error {
  constructor(type: string, ms: number) {
    super(`no reply to ${type} within ${ms} ms`);
    this.name = 'RequestTimeout';
  }
}

/**
 * The replica's side of the catch-up channel: a DEALER, one reader loop, replies matched to their
 * request by `requestId`. A reply that comes after its request timed out (a slow master, or one
 * that restarted and found old requests in its queue) matches nothing and is dropped.
 */
export class SyncClient {
  readonly #dealer: Dealer;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #timeoutMs: number;
  readonly #onReply: () => void;
  readonly #prefix = randomBytes(4).toString('hex');
  readonly #pending = new Map<string, Pending>();
  #counter = 0;
  #reading: Promise<void> | undefined;
  #closed = false;
  dropped = 0;

  constructor(
    dealer: Dealer,
    options: { clock: Clock; logger: Logger; timeoutMs: number; onReply: () => void },
  ) {
    this.#dealer = dealer;
    this.#clock = options.clock;
    this.#logger = options.logger;
    this.#timeoutMs = options.timeoutMs;
    this.#onReply = options.onReply;
  }

  start(): void {
    this.#reading = this.#read();
  }

  /** Sends one request and waits for its reply; rejects with `RequestTimeout` or a send error. */
  async request(message: Request): Promise<SyncReplyMessage> {
    if (this.#closed) throw new Error('the sync client is closed');
    this.#counter += 1;
    const requestId = `${this.#prefix}-${this.#counter}`;
    const reply = new Promise<SyncReplyMessage>((resolve, reject) => {
      const timer = this.#clock.setTimer(() => {
        this.#pending.delete(requestId);
        reject(new RequestTimeout(message.type, this.#timeoutMs));
      }, this.#timeoutMs);
      this.#pending.set(requestId, { resolve, reject, timer });
    });
    try {
      // Only the subscriber's loop sends, one request at a time: no concurrent send (EBUSY).
      await this.#dealer.send(encodeSyncRequest({ ...message, requestId } as SyncRequestMessage));
    } catch (error) {
      this.#settle(requestId)?.reject(new Error(`sync send failed: ${errorCode(error)}`, { cause: error }));
    }
    return reply;
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const requestId of [...this.#pending.keys()]) this.#settle(requestId)?.reject(new Error('closed'));
    this.#dealer.close();
    await this.#reading;
  }

  #settle(requestId: string): Pending | undefined {
    const pending = this.#pending.get(requestId);
    if (pending === undefined) return undefined;
    this.#pending.delete(requestId);
    this.#clock.clearTimer(pending.timer);
    return pending;
  }

  async #read(): Promise<void> {
    try {
      for await (const frames of this.#dealer) {
        const decoded = decodeSyncReply(frames);
        if (!decoded.ok) {
          this.dropped += 1;
          this.#logger.warn(
            { reason: decoded.reason, detail: decoded.detail },
            'dropped a malformed sync reply',
          );
          continue;
        }
        this.#onReply();
        const pending = this.#settle(decoded.value.requestId);
        if (pending === undefined) {
          this.#logger.debug({ requestId: decoded.value.requestId }, 'dropped a late sync reply');
          continue;
        }
        pending.resolve(decoded.value);
      }
    } catch (error) {
      if (!this.#closed) this.#logger.error({ err: toError(error) }, 'sync reply reader stopped');
    }
  }
}
