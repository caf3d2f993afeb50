/**
 * Example handlers. The same module serves both ways of running jobs: list it under the master's
 * `handlers.modules` and its functions run in the master's process, or under a worker's
 * `worker.modules` and the worker registers them with the master. Every exported function becomes a
 * task of the same name.
 *
 * A function receives the job's `args` and a context: `signal` (aborted at the job's timeout, on a
 * cancel from the master, or when the node shuts down), `jobId`, `scheduleId`, `attempt` and
 * `scheduledAt`; on a worker also `deadline`, `idempotencyKey` (the job id, the same on every
 * attempt) and `handlerId`. Its return value (JSON) is the job's result; a thrown error fails the
 * attempt, and the schedule's retry policy decides what happens next. Sync and async both work.
 */

interface Context {
  signal: AbortSignal;
  jobId: string;
  scheduleId: string;
  attempt: number;
  scheduledAt: Date;
  /** Set when a worker runs the job. */
  handlerId?: string;
}

/** Returns its args, the fire time it ran for and where it ran. */
export function echo(args: unknown, context: Context) {
  return { args, scheduledAt: context.scheduledAt.toISOString(), handlerId: context.handlerId ?? null };
}

/** Waits `args.ms` milliseconds (default 1000), stopping early when the job is aborted. */
export async function sleep(args: unknown, context: Context): Promise<{ sleptMs: number }> {
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
 * Asks `args.url` for its status. Passing `signal` on makes a timeout or a cancel stop the request
 * itself, not only the wait for it.
 */
export async function http_status(args: unknown, context: Context): Promise<{ status: number }> {
  if (!args || typeof args !== 'object' || !('url' in args)) throw new Error('args.url is required');
  const response = await fetch(String(args.url), { signal: context.signal, method: 'HEAD' });
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
