import type { Job, JobError } from '@schedulezero/protocol';

/**
 * Every error an attempt can end with, built in one place: the run loop, the executors, the
 * handler link and the store call these, so a code and its wording (which tests, docs and
 * operators' alerts rely on) cannot drift apart between them.
 */

/** `no_handler`: this node was given no executor at all. */
export function noExecutorError(): JobError {
  return { code: 'no_handler', message: 'this node runs no jobs' };
}

/** `no_handler`: the local executor has no function for the task, or its zone and tags do not match. */
export function noLocalHandlerError(task: string): JobError {
  return { code: 'no_handler', message: `no local handler for task "${task}" and its target` };
}

/** `no_handler`: none of the combined executors offers the task for the job's target. */
export function noCombinedHandlerError(task: string): JobError {
  return { code: 'no_handler', message: `no handler offers task "${task}" for its target` };
}

/** `no_handler`: the run loop held a claimed job that no handler matched for the whole wait. */
export function unmatchedTargetError(job: Pick<Job, 'task' | 'target'>, waitedMs: number): JobError {
  return {
    code: 'no_handler',
    message: `no handler offers task "${job.task}" for its target ${JSON.stringify(job.target)} (waited ${Math.round(waitedMs / 1000)}s)`,
  };
}

/** `no_handler`: a pending job of a task no handler offers, failed by the store's sweep. */
export function unservedTaskError(task: string, waitedSeconds: number): JobError {
  return { code: 'no_handler', message: `no handler offers task "${task}" (waited ${waitedSeconds}s)` };
}

/** `no_handler`: the handler link waited for a healthy handler that matches the job and found none. */
export function noHealthyHandlerError(job: Pick<Job, 'task' | 'target'>, waitedMs: number): JobError {
  const { task, target } = job;
  const parts = [
    target.zone ? `zone ${target.zone}` : '',
    target.tags.length > 0 ? `tags ${target.tags.join(',')}` : '',
  ].filter(Boolean);
  const where = parts.length > 0 ? ` for ${parts.join(' and ')}` : '';
  return {
    code: 'no_handler',
    message: `no healthy handler offers "${task}"${where} (waited ${waitedMs} ms)`,
  };
}

/** `timeout`: the run loop's deadline passed before the executor answered. */
export function timeoutError(timeoutSeconds: number): JobError {
  return { code: 'timeout', message: `no result within ${timeoutSeconds}s` };
}

/** `timeout`: the handler link gave up waiting for a handler's result at the deadline. */
export function remoteTimeoutError(): JobError {
  return { code: 'timeout', message: 'no result before the deadline' };
}

/** `cancelled`: an operator cancelled the running attempt. */
export function cancelledOnRequestError(): JobError {
  return { code: 'cancelled', message: 'cancelled on request' };
}

/** `cancelled`: an operator cancelled a pending job, before any attempt. */
export function cancelledBeforeRunError(): JobError {
  return { code: 'cancelled', message: 'cancelled before it ran' };
}

/** `cancelled`: the handler link's run was stopped for another reason than its deadline. */
export function runStoppedError(reason: unknown): JobError {
  return { code: 'cancelled', message: `the run was stopped (${String(reason)})` };
}

/** `interrupted`: the node shut down while the attempt ran. */
export function shutdownError(): JobError {
  return { code: 'interrupted', message: 'the node shut down during the run' };
}

/** `interrupted`: the handler link closed, before the run (`run()` after close) or during it. */
export function linkClosedError(when: 'before' | 'during'): JobError {
  return {
    code: 'interrupted',
    message: when === 'before' ? 'the handler link is closed' : 'the handler link closed',
  };
}

/** `handler_lost`: the handler went offline during the run. */
export function handlerWentOfflineError(handlerId: string, reason: string): JobError {
  return { code: 'handler_lost', message: `handler ${handlerId} went offline (${reason}) during the run` };
}

/** `handler_lost`: the handler does not list the attempt as running (an execute or result was lost). */
export function handlerForgotJobError(handlerId: string): JobError {
  return {
    code: 'handler_lost',
    message: `handler ${handlerId} does not run the job (its execute or result was lost)`,
  };
}

/** `duplicate`: the same attempt is already running on the handler link. */
export function duplicateAttemptError(key: string): JobError {
  return { code: 'duplicate', message: `attempt ${key} is already running` };
}

/** `invalid_args`: the job's execute message could not be encoded (its args are too large). */
export function invalidArgsError(detail: string): JobError {
  return { code: 'invalid_args', message: detail };
}

/** `handler_error`: the handler function threw (or the executor rejected). */
export function handlerError(message: string): JobError {
  return { code: 'handler_error', message };
}

/** `invalid_result`: the function returned a value JSON cannot hold. */
export function invalidResultError(cause: unknown): JobError {
  return { code: 'invalid_result', message: `result is not JSON: ${String(cause)}` };
}

/**
 * `interrupted`: the attempt's runner went away before it finished. `why` says how: by default
 * the node that claimed it stopped (its restart recovers it); in a cluster, the master was declared
 * dead or left.
 */
export function interruptedError(
  job: Pick<Job, 'attempt' | 'handlerId'>,
  why = `the node that claimed it stopped before it finished${job.handlerId ? ` (handed to ${job.handlerId})` : ''}`,
): JobError {
  return { code: 'interrupted', message: `attempt ${job.attempt} was interrupted: ${why}` };
}
