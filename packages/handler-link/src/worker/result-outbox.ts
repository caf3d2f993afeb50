import type { ResultBody, WorkerMessage } from '@schedulezero/protocol';
import type { SendOutcome } from '../socket-writer.ts';

/**
 * Results waiting to reach the master. The DEALER sends only over a live connection (`immediate`),
 * so while the master is away a send fails at once; results stay here, in order, and go out on
 * the next flush (each heartbeat tick, each registration). Bounded: past `max` the oldest is
 * dropped — the master has long marked that attempt lost by then.
 */
export interface ResultOutbox {
  push(result: ResultBody): void;
  /** Sends what it can; stops at the first transport failure. Concurrent calls share one pass. */
  flush(): Promise<void>;
  size(): number;
  jobIds(): string[];
}

export function createResultOutbox(
  send: (message: WorkerMessage) => Promise<SendOutcome>,
  max = 10_000,
): ResultOutbox {
  const pending: ResultBody[] = [];
  let flushing: Promise<void> | undefined;

  /** Sends until the queue is empty; false when a transport failure stopped it. */
  async function pass(): Promise<boolean> {
    for (let result = pending[0]; result; result = pending[0]) {
      let outcome = await send({ type: 'result', ...result });
      if (!outcome.ok && outcome.code === 'ENCODE') {
        // The value cannot travel (not JSON, too large): report that instead of the value.
        const error = { code: 'result_unserializable', message: String(outcome.error).slice(0, 4000) };
        const { jobId, attempt, durationMs } = result;
        outcome = await send({ type: 'result', jobId, attempt, durationMs, status: 'error', error });
      }
      if (!outcome.ok && outcome.code !== 'ENCODE') return false;
      pending.shift();
    }
    return true;
  }

  /**
   * A result pushed after the pass saw an empty queue but before it settled would otherwise wait
   * for the next heartbeat's flush: a pass that drained the queue runs again while it is not empty.
   */
  function flush(): Promise<void> {
    flushing ??= pass().then((drained) => {
      flushing = undefined;
      return drained && pending.length > 0 ? flush() : undefined;
    });
    return flushing;
  }

  return {
    push(result) {
      if (pending.length >= max) pending.shift();
      pending.push(result);
    },
    flush,
    size: () => pending.length,
    jobIds: () => pending.map((result) => result.jobId),
  };
}
