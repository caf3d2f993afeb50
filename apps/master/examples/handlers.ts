/**
 * Example local handlers. List this file under `handlers.modules` and every exported function runs
 * as a task of the same name, in the master's process:
 *
 *   handlers:
 *     modules: [./examples/handlers.ts]
 *
 * A handler receives the schedule's `args` and a context with an abort `signal` (job timeout or
 * node shutdown), `jobId`, `scheduleId`, `attempt` and `scheduledAt`. Its return value (JSON) is
 * the job's result; a thrown error fails the attempt (and retries when the schedule allows it).
 */

interface Context {
  signal: AbortSignal;
  jobId: string;
  scheduleId: string;
  attempt: number;
  scheduledAt: Date;
}

/** Returns its args, with the fire time it ran for. */
export function echo(args: unknown, context: Context): { args: unknown; scheduledAt: string } {
  return { args, scheduledAt: context.scheduledAt.toISOString() };
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
        reject(new Error('sleep aborted'));
      },
      { once: true },
    );
  });
  return { sleptMs: Date.now() - started };
}

/** Always fails, with `args.message` when given: for trying out retries and failure alerts. */
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
