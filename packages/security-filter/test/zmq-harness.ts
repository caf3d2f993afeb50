import { type Event, type EventOfType, type EventType, type Readable, Router, type Socket } from 'zeromq';
import { ZAP_ENDPOINT } from '../src/zap-handler.ts';

/**
 * Real sockets for tests, bounded in time and closed after each test. Waits are polls with a
 * deadline on recorded socket events, never fixed sleeps.
 */

const WATCHED: EventType[] = [
  'accept',
  'connect',
  'disconnect',
  'handshake',
  'handshake:error:auth',
  'handshake:error:protocol',
  'handshake:error:other',
];

export const DEFAULT_WAIT_MS = 4000;

/** Records a socket's connection and handshake events (event-emitter mode, many waiters). */
export class EventLog {
  readonly events: Event[] = [];
  #waiters = new Set<() => void>();

  constructor(socket: Socket) {
    for (const type of WATCHED) {
      socket.events.on(type, (event: Event) => {
        this.events.push(event);
        for (const wake of this.#waiters) wake();
      });
    }
  }

  has(type: EventType): boolean {
    return this.events.some((event) => event.type === type);
  }

  /** Resolves with the first recorded event of `type`, rejects after `timeoutMs`. */
  waitFor<E extends EventType>(type: E, timeoutMs = DEFAULT_WAIT_MS): Promise<EventOfType<E>> {
    const find = () => this.events.find((event) => event.type === type) as EventOfType<E> | undefined;
    const found = find();
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const wake = (): void => {
        const event = find();
        if (!event) return;
        clearTimeout(timer);
        this.#waiters.delete(wake);
        resolve(event);
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(wake);
        const seen = this.events.map((event) => event.type).join(', ') || 'none';
        reject(new Error(`no "${type}" event within ${timeoutMs} ms (seen: ${seen})`));
      }, timeoutMs);
      this.#waiters.add(wake);
    });
  }
}

/** Creates sockets for one test and closes every one of them afterwards. */
export class SocketPool {
  #sockets: Socket[] = [];

  track<S extends Socket>(socket: S): S {
    // linger 0: a closed socket never holds the process open with queued messages.
    socket.linger = 0;
    this.#sockets.push(socket);
    return socket;
  }

  closeAll(): void {
    for (const socket of this.#sockets) {
      if (!socket.closed) socket.close();
    }
    const open = this.#sockets.filter((socket) => !socket.closed);
    this.#sockets = [];
    if (open.length > 0) throw new Error(`${open.length} socket(s) still open after closeAll`);
  }
}

/** Binds to a free loopback port chosen by the OS and returns the endpoint. */
export async function bindLoopback(socket: Socket): Promise<string> {
  await socket.bind('tcp://127.0.0.1:*');
  const endpoint = socket.lastEndpoint;
  if (!endpoint) throw new Error('bound socket has no lastEndpoint');
  return endpoint;
}

/** Receives one message or fails after `timeoutMs`. */
export async function receiveWithin(socket: Readable, timeoutMs = DEFAULT_WAIT_MS): Promise<Buffer[]> {
  socket.receiveTimeout = timeoutMs;
  return socket.receive();
}

/**
 * Fails when something still answers at the ZAP endpoint of the global context, i.e. when a test
 * left a ZAP handler running.
 */
export async function assertNoZapHandler(): Promise<void> {
  const probe = new Router({ linger: 0 });
  try {
    await probe.bind(ZAP_ENDPOINT);
    // Unbind first: close() alone frees an inproc endpoint only later, on libzmq's reaper thread.
    await probe.unbind(ZAP_ENDPOINT);
  } catch (error) {
    throw new Error('a ZAP handler is still bound in the global context', { cause: error });
  } finally {
    probe.close();
  }
}
