import type { Job, MasterMessage, ResultBody } from '@schedulezero/protocol';
import {
  ABORT_REASON,
  type AbortReason,
  type ExecutionResult,
  remoteTimeoutError,
  runStoppedError,
  type TimerHandle,
} from '@schedulezero/scheduler-core';

/** One `run()` call: waiting for a handler, then in flight on one until its result or loss. */
export interface Ticket {
  /** `jobId#attempt`: a retry of the same job is a different ticket. */
  key: string;
  job: Job;
  resolve: (result: ExecutionResult) => void;
  /** `run()` has resolved; the ticket may still hold a handler slot until the handler answers. */
  settled: boolean;
  state: 'waiting' | 'inflight';
  handlerId: string | null;
  dispatchedAtMs: number;
  /** The half-open breaker's single trial job. */
  trial: boolean;
  /** Handlers that rejected this attempt or could not be reached. */
  excluded: Set<string>;
  /** Armed while no handler at all could take the job: the bounded wait before `no_handler`. */
  waitTimer: TimerHandle | undefined;
  /** Why we sent a cancel: `timeout` counts against the handler's health, a shutdown does not. */
  cancelReason: Extract<AbortReason, 'timeout' | 'cancelled'> | null;
  detach: () => void;
  /** Told the handler an attempt is handed to. */
  onStarted: (handlerId: string) => void;
}

export function ticketKey(jobId: string, attempt: number): string {
  return `${jobId}#${attempt}`;
}

export function newTicket(
  job: Job,
  resolve: (result: ExecutionResult) => void,
  onStarted: (handlerId: string) => void = () => {},
): Ticket {
  return {
    key: ticketKey(job.id, job.attempt),
    job,
    resolve,
    onStarted,
    settled: false,
    state: 'waiting',
    handlerId: null,
    dispatchedAtMs: 0,
    trial: false,
    excluded: new Set(),
    waitTimer: undefined,
    cancelReason: null,
    detach: () => {},
  };
}

/** The execute message for a job; its deadline counts from the claim (`startedAt`), as the run loop's timeout does. */
export function executeMessage(job: Job, nowMs: number): MasterMessage {
  const deadlineMs = (job.startedAt?.getTime() ?? nowMs) + job.timeoutSeconds * 1000;
  return {
    type: 'execute',
    jobId: job.id,
    scheduleId: job.scheduleId,
    task: job.task,
    args: job.args ?? null,
    attempt: job.attempt,
    scheduledAt: job.scheduledAt.toISOString(),
    deadline: new Date(deadlineMs).toISOString(),
    timeoutMs: Math.max(0, Math.round(deadlineMs - nowMs)),
    idempotencyKey: job.id,
  };
}

/** A handler's answer as the run loop records it; the worker's `timeout` and `cancelled` codes keep their meaning. */
export function resultOutcome(
  body: Exclude<ResultBody, { status: 'rejected' }>,
  handlerId: string,
): ExecutionResult {
  if (body.status === 'ok') return { status: 'succeeded', result: body.result ?? null, handlerId };
  const code = body.error.code;
  const status =
    code === ABORT_REASON.timeout ? 'timed_out' : code === ABORT_REASON.cancelled ? 'cancelled' : 'failed';
  return { status, error: body.error, handlerId };
}

/** `run()`'s answer when its signal aborts: the loop's `timeout` reason, or any other stop. */
export function abortOutcome(reason: unknown): ExecutionResult {
  return reason === ABORT_REASON.timeout
    ? { status: 'timed_out', error: remoteTimeoutError() }
    : { status: 'cancelled', error: runStoppedError(reason) };
}
