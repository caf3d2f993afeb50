import type { ExecuteBody, ResultBody } from '@schedulezero/protocol';

/** What a handler function receives besides its args. */
export interface RemoteHandlerContext {
  /** Aborted at the deadline, on a cancel from the master, or when the worker shuts down. */
  signal: AbortSignal;
  jobId: string;
  scheduleId: string;
  attempt: number;
  scheduledAt: Date;
  /** When the job times out, on this worker's clock. */
  deadline: Date;
  /** Equal to the job id; the same on every attempt. Use it to make side effects happen once. */
  idempotencyKey: string;
  handlerId: string;
}

/** A plain function, sync or async; its return value (JSON) becomes the job's result. */
export type RemoteHandlerFunction = (args: unknown, context: RemoteHandlerContext) => unknown;

export interface RunningJob {
  jobId: string;
  attempt: number;
  abort(reason: 'timeout' | 'cancelled' | 'shutdown'): void;
  /** Never rejects. */
  done: Promise<ResultBody>;
}

const GRACE_OVER = Symbol('grace over');
const MAX_MESSAGE = 4000;

/**
 * Runs one job: arms its deadline from `timeoutMs` (this worker's clock, so clock skew with the
 * master does not matter), passes an AbortSignal and turns the outcome into a result body. A
 * function that ignores its signal is given `abortGraceMs` to return; after that the attempt is
 * reported as timed out or cancelled and its slot freed, although the function's promise lives on.
 */
export function startJob(
  fn: RemoteHandlerFunction,
  message: ExecuteBody,
  options: { handlerId: string; abortGraceMs: number },
): RunningJob {
  const controller = new AbortController();
  const startedAt = performance.now();
  const deadline = new Date(Date.now() + message.timeoutMs);
  const deadlineTimer = setTimeout(() => controller.abort('timeout'), message.timeoutMs);
  let graceTimer: NodeJS.Timeout | undefined;
  let finished = false;
  const graceOver = new Promise<typeof GRACE_OVER>((resolve) => {
    controller.signal.addEventListener(
      'abort',
      () => {
        // At shutdown nobody waits for the function: the worker is closing its socket anyway.
        const wait = controller.signal.reason === 'shutdown' ? 0 : options.abortGraceMs;
        if (!finished) graceTimer = setTimeout(() => resolve(GRACE_OVER), wait);
      },
      { once: true },
    );
  });
  const context: RemoteHandlerContext = {
    signal: controller.signal,
    jobId: message.jobId,
    scheduleId: message.scheduleId,
    attempt: message.attempt,
    scheduledAt: new Date(message.scheduledAt),
    deadline,
    idempotencyKey: message.idempotencyKey,
    handlerId: options.handlerId,
  };
  // An async wrapper turns a synchronous throw into a rejection like any other failure.
  const work = (async () => fn(message.args, context))();
  const base = { jobId: message.jobId, attempt: message.attempt };
  const elapsed = () => Math.round((performance.now() - startedAt) * 100) / 100;
  const abortCode = () => (controller.signal.reason === 'timeout' ? 'timeout' : 'cancelled');

  const done = (async (): Promise<ResultBody> => {
    try {
      const value = await Promise.race([work, graceOver]);
      if (value === GRACE_OVER) {
        const why = abortCode() === 'timeout' ? `its deadline (${message.timeoutMs} ms)` : 'it was cancelled';
        return {
          ...base,
          status: 'error',
          durationMs: elapsed(),
          error: {
            code: abortCode(),
            message: `did not stop within ${options.abortGraceMs} ms after ${why}`,
          },
        };
      }
      return { ...base, status: 'ok', durationMs: elapsed(), result: value ?? null };
    } catch (error) {
      const code = controller.signal.aborted ? abortCode() : 'handler_error';
      return { ...base, status: 'error', durationMs: elapsed(), error: { code, message: describe(error) } };
    } finally {
      finished = true;
      clearTimeout(deadlineTimer);
      clearTimeout(graceTimer);
    }
  })();

  return {
    jobId: message.jobId,
    attempt: message.attempt,
    abort: (reason) => controller.abort(reason),
    done,
  };
}

function describe(error: unknown): string {
  const text =
    error instanceof Error
      ? `${error.name === 'Error' ? '' : `${error.name}: `}${error.message}`
      : String(error);
  return text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE)}…` : text;
}
