import type { Clock } from '../clock.ts';
import { toError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { FiringStore, Handoff } from '../store/ports/firing-store.ts';

/**
 * Writes which handler each running attempt was handed to, batched: everything handed over in one
 * turn of the event loop is one `recordHandoffs` transaction, so a burst of dispatches costs one
 * write, not one per job. Best effort: the attempt's finish names its handler again, so a lost
 * write only leaves `handlerId` empty while the attempt runs.
 */
export function createHandoffRecorder(
  store: Pick<FiringStore, 'recordHandoffs'>,
  clock: Clock,
  logger: Logger,
) {
  let queued: Handoff[] = [];
  let scheduled = false;
  let writing: Promise<void> | undefined;

  function schedule(): void {
    if (scheduled || writing) return;
    scheduled = true;
    setImmediate(flush);
  }

  function flush(): void {
    scheduled = false;
    const batch = queued;
    queued = [];
    if (batch.length === 0) return;
    writing = store
      .recordHandoffs(batch, clock.now())
      .catch((error: unknown) =>
        logger.warn(
          { err: toError(error), count: batch.length },
          'could not record the handlers of started jobs',
        ),
      )
      .finally(() => {
        writing = undefined;
        if (queued.length > 0) schedule();
      });
  }

  return {
    record(handoff: Handoff): void {
      queued.push(handoff);
      schedule();
    },
    /** Resolves once everything recorded so far is written. */
    async drain(): Promise<void> {
      while (scheduled || writing || queued.length > 0) {
        if (!scheduled && !writing) flush();
        await (writing ?? new Promise<void>((resolve) => setImmediate(resolve)));
      }
    },
  };
}

export type HandoffRecorder = ReturnType<typeof createHandoffRecorder>;
