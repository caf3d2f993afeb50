import type { Job, MasterMessage, ResultBody } from '@schedulezero/protocol';
import type { ExecutionResult, TimerHandle } from '@schedulezero/scheduler-core';

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
  cancelReason: string | null;
  detach: () => void;
  /** Told the handler an attempt is handed to. */
  onStarted: (handlerId: string) => void;
}

export function newTicket(
  job: Job,
  resolve: (result: ExecutionResult) => void,
  onStarted: (handlerId: string) => void = () => {},
): Ticket {
  return {
    key: `${job.id}#${job.attempt}`,
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
  const status = code === 'timeout' ? 'timed_out' : code === 'cancelled' ? 'cancelled' : 'failed';
  return { status, error: body.error, handlerId };
}

/** `run()`'s answer when its signal aborts: the loop's `timeout` reason, or any other stop. */
export function abortOutcome(reason: unknown): ExecutionResult {
  return reason === 'timeout'
    ? { status: 'timed_out', error: { code: 'timeout', message: 'no result before the deadline' } }
    : {
        status: 'cancelled',
        error: { code: 'cancelled', message: `the run was stopped (${String(reason)})` },
      };
}

export function noHandlerOutcome(job: Job, waitedMs: number): ExecutionResult {
  const { task, target } = job;
  const parts = [
    target.zone ? `zone ${target.zone}` : '',
    target.tags.length > 0 ? `tags ${target.tags.join(',')}` : '',
  ].filter(Boolean);
  const where = parts.length > 0 ? ` for ${parts.join(' and ')}` : '';
  return {
    status: 'failed',
    error: {
      code: 'no_handler',
      message: `no healthy handler offers "${task}"${where} (waited ${waitedMs} ms)`,
    },
  };
}
