import {
  decodeWorkerMessage,
  encodeMasterMessage,
  idSchema,
  type LinkErrorCode,
  type MasterMessage,
  type WorkerMessage,
} from '@schedulezero/protocol';
import { type Logger, toError } from '@schedulezero/scheduler-core';
import { Router } from 'zeromq';
import { type SendOutcome, SocketWriter } from '../socket-writer.ts';

/** A message not handled: counted by reason; a refusal is also answered with an `error` frame. */
export interface Dropped {
  reason: string;
  detail: string;
  identity?: string;
  refusal?: { code: LinkErrorCode; refused: string; message: string };
}

export interface LinkSocketOptions {
  bind: string;
  maxBodyBytes: number;
  logger: Logger;
  configureSocket?: ((socket: Router) => void | Promise<void>) | undefined;
  /** A decoded message from a peer whose routing id is a valid handler id; returns why when not handled. */
  onMessage: (identity: string, message: WorkerMessage) => Dropped | undefined;
}

export interface LinkSocketStats {
  frames: { received: number; dropped: Record<string, number> };
  sendErrors: Record<string, number>;
}

export type LinkSocket = ReturnType<typeof createLinkSocket>;

/**
 * The master's ROUTER socket and its framing: binds it, reads and decodes frames (dropping and
 * counting what is not a valid message from a valid handler id), encodes and sends messages one
 * at a time, and closes it. What a message means is `onMessage`'s business.
 */
export function createLinkSocket(options: LinkSocketOptions) {
  const { logger, maxBodyBytes } = options;
  const dropped: Record<string, number> = {};
  const sendErrors: Record<string, number> = {};
  let framesReceived = 0;
  let socket: Router | undefined;
  let writer: SocketWriter | undefined;
  let reading: Promise<void> | undefined;
  let state: 'new' | 'started' | 'closed' = 'new';

  function drop(reason: string, detail: string, identity?: string): void {
    dropped[reason] = (dropped[reason] ?? 0) + 1;
    logger.debug({ reason, detail, identity }, 'dropped a handler-link frame');
  }

  /** `to`: a handler id, or the raw routing id of a peer that is not (yet) a handler. */
  async function send(to: string | Buffer, message: MasterMessage): Promise<SendOutcome> {
    const encoded = encodeMasterMessage(message, { maxBodyBytes });
    const outcome: SendOutcome = !encoded.ok
      ? { ok: false, code: 'ENCODE', error: `${encoded.reason}: ${encoded.detail}` }
      : writer && state === 'started'
        ? await writer.send([to, ...encoded.frames])
        : { ok: false, code: 'CLOSED', error: 'the link is not running' };
    if (!outcome.ok) sendErrors[outcome.code] = (sendErrors[outcome.code] ?? 0) + 1;
    return outcome;
  }

  /** Decodes one message and hands it on; returns why when it is not handled. */
  function handleFrames(frames: Buffer[]): Dropped | undefined {
    framesReceived += 1;
    const [identityFrame, ...rest] = frames;
    if (!identityFrame) return { reason: 'truncated', detail: 'no routing id' };
    const decoded = decodeWorkerMessage(rest, { maxBodyBytes });
    if (!decoded.ok) return { reason: decoded.reason, detail: decoded.detail };
    const identity = identityFrame.toString('utf8');
    // The routing id is the handler id: replies are addressed by it, so it must be a valid id.
    if (!idSchema.safeParse(identity).success) {
      const detail = 'routing id is not a handler id';
      return {
        reason: 'identity_mismatch',
        detail,
        refusal: {
          code: 'identity_mismatch',
          refused: decoded.message.type,
          message: `${detail}: set the socket's routing id to the handler id before connecting`,
        },
      };
    }
    return options.onMessage(identity, decoded.message);
  }

  async function readLoop(router: Router): Promise<void> {
    try {
      for await (const frames of router) {
        try {
          const dropped = handleFrames(frames);
          if (dropped) drop(dropped.reason, dropped.detail, dropped.identity);
          // Answered to the routing id it came from, valid handler id or not: silence left a
          // worker written from the docs waiting at "registering" with no clue why.
          const [from] = frames;
          if (dropped?.refusal && from) void send(from, { type: 'error', ...dropped.refusal });
        } catch (error) {
          // A bug in handling one message must not end the loop that serves all handlers.
          drop('internal', toError(error).message);
          logger.error({ err: toError(error) }, 'handler-link message handling failed');
        }
      }
    } catch (error) {
      if (state !== 'closed') logger.error({ err: toError(error) }, 'handler-link reader stopped');
    }
  }

  return {
    send,
    state: () => state,
    endpoint: () => socket?.lastEndpoint ?? null,

    /** Binds and starts reading; on failure nothing is left open and the socket can be started again. */
    async start(): Promise<void> {
      const router = new Router({
        mandatory: true,
        handover: true,
        linger: 0,
        sendTimeout: 0,
        // ZeroMQ cuts a peer sending a frame past this before we read it; below it we count and drop.
        maxMessageSize: maxBodyBytes * 4 + 64 * 1024,
      });
      try {
        await options.configureSocket?.(router);
        await router.bind(options.bind);
      } catch (error) {
        router.close();
        throw error;
      }
      socket = router;
      writer = new SocketWriter(router);
      state = 'started';
      reading = readLoop(router);
    },

    /**
     * Refuses sends from now on, waits for `settle` (the link ending its runs and writing its
     * handlers offline), then lets queued sends go out and closes the socket. Idempotent.
     */
    async close(settle: () => Promise<void>): Promise<void> {
      if (state === 'closed') return;
      const wasStarted = state === 'started';
      state = 'closed';
      await settle();
      if (wasStarted && socket) {
        await writer?.idle();
        // Closing alone frees the port some time later, in ZeroMQ's I/O thread: unbinding first
        // means a link started again on the same endpoint right after can bind it.
        const bound = socket.lastEndpoint;
        if (bound) await socket.unbind(bound).catch(() => {});
        socket.close();
        await reading;
      }
    },

    stats(): LinkSocketStats {
      return { frames: { received: framesReceived, dropped: { ...dropped } }, sendErrors: { ...sendErrors } };
    },
  };
}
