/**
 * Example handler module for a worker. List it under `worker.modules` and every exported function
 * becomes a method the worker registers with the master, under the export's name:
 *
 *   worker:
 *     modules: [./handlers.ts]
 *
 * A function receives the job's `args` and a context: `signal` (aborted at the job's deadline, on a
 * cancel from the master, or when the worker shuts down), `jobId`, `scheduleId`, `attempt`,
 * `scheduledAt`, `deadline`, `idempotencyKey` (equal to the job id on every attempt) and
 * `handlerId`. Its return value (JSON) is the job's result; a thrown error fails the attempt, and
 * the schedule's retry policy decides what happens next. Sync and async functions both work.
 */
import type { RemoteHandlerContext } from '@schedulezero/handler-link';

/** Returns its args and where it ran. */
export function echo(args: unknown, context: RemoteHandlerContext) {
  return { args, handlerId: context.handlerId, attempt: context.attempt };
}

/** Waits `args.ms` milliseconds (default 1000), stopping early when the job is aborted. */
export async function sleep(args: unknown, context: RemoteHandlerContext): Promise<{ sleptMs: number }> {
  const ms = readNumber(args, 'ms') ?? 1000;
  const started = Date.now();
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    context.signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(new Error(`sleep aborted (${String(context.signal.reason)})`));
      },
      { once: true },
    );
  });
  return { sleptMs: Date.now() - started };
}

/**
 * Fetches a URL and returns its status: passing `signal` on makes a timeout or a cancel stop the
 * request itself, not only the wait for it.
 */
export async function http_status(args: unknown, context: RemoteHandlerContext): Promise<{ status: number }> {
  const url = args && typeof args === 'object' && 'url' in args ? String(args.url) : 'https://example.com';
  const response = await fetch(url, { signal: context.signal, method: 'HEAD' });
  return { status: response.status };
}

/** Always fails, with `args.message` when given: for trying out retries and the circuit breaker. */
export function fail(args: unknown): never {
  const message =
    args && typeof args === 'object' && 'message' in args ? String(args.message) : 'failed on purpose';
  throw new Error(message);
}

function readNumber(args: unknown, key: string): number | undefined {
  if (!args || typeof args !== 'object') return undefined;
  const value = (args as Record<string, unknown>)[key];
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}
