/**
 * The child side of `startRole`: reads its params from argv, answers `ready` once `init` is done
 * and runs the commands the parent sends. `stop` runs the role's cleanup and exits. A role exits
 * when its parent goes away, so nothing outlives a benchmark run.
 */

type Handler = (data: unknown) => unknown;

interface Call {
  type: 'call';
  id: number;
  command: string;
  data: unknown;
}

export function roleParams<T>(): T {
  return JSON.parse(process.argv[2] ?? '{}') as T;
}

export function serveRole(init: () => Promise<Record<string, Handler>>, stop: () => Promise<void>): void {
  const send = (message: object) => process.send?.(message);
  let handlers: Promise<Record<string, Handler>> | undefined;
  const exit = async (code: number) => {
    await Promise.race([stop().catch(() => {}), new Promise((r) => setTimeout(r, 4_000))]);
    process.exit(code);
  };
  process.on('disconnect', () => void exit(0));
  process.on('SIGTERM', () => void exit(0));
  process.on('message', async (message: Call) => {
    if (message?.type !== 'call') return;
    try {
      let value: unknown;
      if (message.command === 'ready') {
        handlers ??= init();
        await handlers;
      } else if (message.command === 'stop') {
        send({ type: 'reply', id: message.id, ok: true });
        await exit(0);
        return;
      } else {
        const table = await (handlers ?? Promise.reject(new Error('not initialised')));
        const handler = table[message.command];
        if (!handler) throw new Error(`unknown command ${message.command}`);
        value = await handler(message.data);
      }
      send({ type: 'reply', id: message.id, ok: true, value });
    } catch (error) {
      const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
      send({ type: 'reply', id: message.id, ok: false, error: text });
    }
  });
}

/** Milliseconds on the wall clock with sub-millisecond precision, comparable across processes. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}
