import { type Context, Router } from 'zeromq';
import { SecurityError, toError } from './errors.ts';
import {
  compileZapDomain,
  decideZap,
  parseZapRequest,
  ZAP_REJECT_REASONS,
  type ZapDomainConfig,
  type ZapRejection,
  type ZapRejectReason,
  zapReplyFrames,
} from './zap-policy.ts';

/** How long one receive waits before the loop checks whether close() was called. */
const RECEIVE_SLICE_MS = 100;

/** Where libzmq sends ZAP requests; fixed by RFC 27. */
export const ZAP_ENDPOINT = 'inproc://zeromq.zap.01';

export interface ZapAcceptance {
  domain: string;
  address: string;
  mechanism: string;
  /** The client's public key for CURVE, `plaintext` for NULL/PLAIN in development mode. */
  userId: string;
}

export interface ZapHandlerOptions {
  /** ZAP domain → what it admits. Domains can be changed later with `setDomain`/`removeDomain`. */
  domains: Readonly<Record<string, ZapDomainConfig>>;
  /**
   * The zeromq context of the sockets this handler guards (default: zeromq's global context, which
   * every socket uses unless given another). inproc endpoints exist per context: a handler in
   * another context is never asked, and sockets with `zapEnforceDomain` then admit nobody.
   */
  context?: Context;
  /** Called for every refused handshake; a throwing callback does not affect the decision. */
  onRejection?: (rejection: ZapRejection) => void;
  onAccept?: (acceptance: ZapAcceptance) => void;
  /** The reader loop stopped for a reason other than `close()`; from then on nobody gets in. */
  onError?: (error: Error) => void;
}

export interface ZapStats {
  accepted: number;
  rejected: number;
  rejectedByReason: Record<ZapRejectReason, number>;
  rejectedByDomain: Record<string, number>;
}

/**
 * The ZAP handler: one ROUTER at `inproc://zeromq.zap.01` answering libzmq's authentication
 * requests for every CURVE/PLAIN socket (and every NULL socket with a ZAP domain) in its context.
 * There can be one per context; a second `start()` in the same context fails with
 * `zap_handler_in_use`. A single reader loop receives and replies in turn (zeromq.js refuses a
 * second concurrent receive with EBUSY), and answers every well-formed request, so libzmq never
 * waits on us.
 */
export class ZapHandler {
  readonly #context: Context | undefined;
  readonly #domains = new Map<string, ReturnType<typeof compileZapDomain>>();
  readonly #options: ZapHandlerOptions;
  readonly #counts = {
    accepted: 0,
    rejected: 0,
    byReason: new Map<ZapRejectReason, number>(),
    // A Map, not an object: a domain named `__proto__` must stay a plain entry.
    byDomain: new Map<string, number>(),
  };
  #socket: Router | undefined;
  #loop: Promise<void> | undefined;
  #closing = false;

  constructor(options: ZapHandlerOptions) {
    this.#options = options;
    this.#context = options.context;
    for (const [domain, config] of Object.entries(options.domains)) this.setDomain(domain, config);
  }

  /** Binds the endpoint and starts answering. */
  async start(): Promise<void> {
    if (this.#socket) throw new SecurityError('invalid_socket', 'ZAP handler already started');
    this.#closing = false;
    const socket = new Router({
      linger: 0,
      receiveTimeout: RECEIVE_SLICE_MS,
      ...(this.#context ? { context: this.#context } : {}),
    });
    try {
      await socket.bind(ZAP_ENDPOINT);
    } catch (error) {
      socket.close();
      const cause = toError(error);
      if ((cause as { code?: unknown }).code === 'EADDRINUSE') {
        throw new SecurityError(
          'zap_handler_in_use',
          'another ZAP handler already runs in this zeromq context',
          {
            cause,
          },
        );
      }
      throw new SecurityError('invalid_socket', `ZAP handler cannot bind ${ZAP_ENDPOINT}: ${cause.message}`, {
        cause,
      });
    }
    this.#socket = socket;
    this.#loop = this.#run(socket);
  }

  get running(): boolean {
    return this.#socket !== undefined;
  }

  /** Adds or replaces a domain, e.g. to rotate client keys; applies to the next handshake. */
  setDomain(domain: string, config: ZapDomainConfig): void {
    this.#domains.set(domain, compileZapDomain(domain, config));
  }

  /** Removes a domain: its sockets admit nobody from the next handshake on. */
  removeDomain(domain: string): void {
    this.#domains.delete(domain);
  }

  stats(): ZapStats {
    const rejectedByDomain: Record<string, number> = Object.create(null);
    for (const [domain, count] of this.#counts.byDomain) rejectedByDomain[domain] = count;
    return {
      accepted: this.#counts.accepted,
      rejected: this.#counts.rejected,
      rejectedByReason: Object.fromEntries(
        ZAP_REJECT_REASONS.map((reason) => [reason, this.#counts.byReason.get(reason) ?? 0]),
      ) as Record<ZapRejectReason, number>,
      rejectedByDomain,
    };
  }

  /**
   * Unbinds the endpoint and waits for the reader loop to end. Afterwards the guarded sockets
   * (with `zapEnforceDomain`) refuse every new connection; established ones are not affected.
   */
  async close(): Promise<void> {
    const socket = this.#socket;
    if (!socket) return;
    this.#closing = true;
    // First let the reader loop leave receive() (within one RECEIVE_SLICE_MS). zeromq.js runs
    // unbind on a libuv worker thread while a pending receive polls the socket on the main
    // thread; libzmq sockets are not thread-safe, and that overlap aborted libzmq in our tests
    // (pipe.cpp:355, process_pipe_term_ack).
    await this.#loop;
    try {
      // close() alone frees the endpoint later, on libzmq's reaper thread; until then a restart
      // fails with EADDRINUSE. An inproc unbind unregisters it before it resolves.
      await socket.unbind(ZAP_ENDPOINT);
    } catch {
      // Already unbound: close() below is all that is left to do.
    }
    socket.close();
    this.#socket = undefined;
    this.#loop = undefined;
  }

  async #run(socket: Router): Promise<void> {
    try {
      while (!this.#closing) {
        let frames: Buffer[];
        try {
          frames = await socket.receive();
        } catch (error) {
          // The receive timeout is our chance to notice close(); anything else ends the loop.
          if ((error as { code?: unknown }).code === 'EAGAIN') continue;
          throw error;
        }
        const reply = this.#answer(frames);
        // A ROUTER without `mandatory` drops a reply it cannot route instead of blocking.
        if (reply) await socket.send(reply);
      }
    } catch (error) {
      if (!this.#closing) this.#notify(this.#options.onError, toError(error));
      // The loop died on its own: let close() and start() see a stopped handler.
      socket.close();
      this.#socket = undefined;
    }
  }

  #answer(frames: Buffer[]): (Buffer | string)[] | undefined {
    const parsed = parseZapRequest(frames);
    if (!parsed) return undefined;
    const { envelope, request } = parsed;
    if (!request) {
      this.#count({ domain: '', address: '', mechanism: '', reason: 'malformed_request' });
      return [
        ...envelope,
        '1.0',
        frames[3] ?? Buffer.alloc(0),
        '400',
        'malformed request',
        '',
        Buffer.alloc(0),
      ];
    }
    let decision: ReturnType<typeof decideZap>;
    try {
      decision = decideZap(request, this.#domains);
    } catch {
      // A bug in a decision must close the gate, not leave libzmq waiting: 500 is RFC 27's answer.
      return [...envelope, '1.0', request.requestId, '500', 'internal error', '', Buffer.alloc(0)];
    }
    if (decision.status === '200') {
      this.#counts.accepted++;
      this.#notify(this.#options.onAccept, {
        domain: request.domain,
        address: request.address,
        mechanism: request.mechanism,
        userId: decision.userId,
      });
    } else {
      this.#count(decision.rejection);
    }
    return zapReplyFrames(envelope, request.requestId, decision);
  }

  #count(rejection: ZapRejection): void {
    const counts = this.#counts;
    counts.rejected++;
    counts.byReason.set(rejection.reason, (counts.byReason.get(rejection.reason) ?? 0) + 1);
    counts.byDomain.set(rejection.domain, (counts.byDomain.get(rejection.domain) ?? 0) + 1);
    this.#notify(this.#options.onRejection, rejection);
  }

  #notify<T>(callback: ((value: T) => void) | undefined, value: T): void {
    try {
      callback?.(value);
    } catch {
      // A logging callback that throws must neither open nor close the gate, nor stop the loop.
    }
  }
}

/** Creates and starts a handler. */
export async function startZapHandler(options: ZapHandlerOptions): Promise<ZapHandler> {
  const handler = new ZapHandler(options);
  await handler.start();
  return handler;
}
