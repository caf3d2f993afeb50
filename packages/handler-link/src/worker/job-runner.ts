import type { ExecuteBody, ResultBody } from '@schedulezero/protocol';
import {
  ABORT_REASON,
  type AbortReason,
  type RemoteHandlerContext,
  type RemoteHandlerFunction,
} from '@schedulezero/scheduler-core';

export interface RunningJob {
  jobId: string;
  attempt: number;
  abort(reason: AbortReason): void;
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
  const deadlineTimer = setTimeout(() => controller.abort(ABORT_REASON.timeout), message.timeoutMs);
  let graceTimer: NodeJS.Timeout | undefined;
  let finished = false;
  const graceOver = new Promise<typeof GRACE_OVER>((resolve) => {
    controller.signal.addEventListener(
      'abort',
      () => {
        // At shutdown nobody waits for the function: the worker is closing its socket anyway.
        const wait = controller.signal.reason === ABORT_REASON.shutdown ? 0 : options.abortGraceMs;
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
  const abortCode = () =>
    controller.signal.reason === ABORT_REASON.timeout ? ABORT_REASON.timeout : ABORT_REASON.cancelled;

  const done = (async (): Promise<ResultBody> => {
    try {
      const value = await Promise.race([work, graceOver]);
      if (value === GRACE_OVER) {
        const why =
          abortCode() === ABORT_REASON.timeout
            ? `its deadline (${message.timeoutMs} ms)`
            : 'it was cancelled';
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

/** Why a worker turns an execute down (the master sends the job elsewhere); undefined: it runs it. */
export function refusalOf(
  task: string,
  fn: RemoteHandlerFunction | undefined,
  worker: { draining: boolean; free: number },
): { code: 'draining' | 'busy' | 'unknown_task'; text: string } | undefined {
  if (worker.draining) return { code: 'draining', text: 'the handler is draining' };
  if (worker.free <= 0) return { code: 'busy', text: 'no free slot' };
  if (!fn) return { code: 'unknown_task', text: `no function "${task}"` };
  return undefined;
}

function describe(error: unknown): string {
  const text =
    error instanceof Error
      ? `${error.name === 'Error' ? '' : `${error.name}: `}${error.message}`
      : String(error);
  return text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE)}…` : text;
}
