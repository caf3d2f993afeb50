import type { StreamMessage } from '@schedulezero/protocol';
import type { ReplicaSteps, TimedRow } from './replica-steps.ts';
import { judgeFrame } from './stream-position.ts';
import { inTouch, localNow, type SubscriberContext, setState } from './subscriber-context.ts';

/**
 * The subscriber's live step: takes a batch of buffered frames, judges each against the position,
 * and applies the rows that follow on in one transaction. A gap, a publisher behind the log or
 * another epoch sets `need` to a catch-up and puts the rest of the batch back; a silence does the
 * same with nothing to put back.
 */
export function createLiveStep(
  context: SubscriberContext,
  steps: ReplicaSteps,
  maxBatch: number,
): () => Promise<void> {
  const { zone, logger, queue, position, counters } = context;
  /** Heartbeats in a row that were behind the position: the step's own state, shared with nobody. */
  let behindBeats = 0;

  return async function live(): Promise<void> {
    setState(context, 'live');
    const frames = await takeBatch(context, maxBatch);
    if (frames.length === 0) {
      // A loop that was busy (a long synchronous write) has socket reads pending: let them in first.
      await nextTurn();
      if (!context.closing && queue.size === 0 && !inTouch(context)) {
        logger.warn(
          { zone, silentMs: localNow(context) - context.lastContact },
          'no frame from the master: asking the log',
        );
        context.need = 'catch_up';
        context.silenceCatchUp = true;
      }
      return;
    }
    let at = position.applied;
    const rows: TimedRow[] = [];
    for (const [index, frame] of frames.entries()) {
      const { header } = frame;
      const verdict = judgeFrame(header, frame.topic, at, position.epoch, context.kinds);
      if (verdict.action === 'skip') continue;
      if (verdict.action === 'apply') {
        rows.push({ seq: header.seq, topic: frame.topic, payload: frame.payload, time: header.masterTime });
        at = verdict.to;
        continue;
      }
      if (verdict.action === 'advance') {
        at = Math.max(at, verdict.to);
        behindBeats = 0;
        continue;
      }
      // A publisher still tailing what a catch-up already read is behind for a beat; twice is a question.
      if (verdict.action === 'behind' && ++behindBeats < 2) continue;
      if (verdict.action === 'gap') {
        counters.gaps += 1;
        logger.warn(
          { zone, at, seq: header.seq, missing: verdict.missing },
          'gap in the stream: catching up',
        );
      } else logger.info({ zone, at, seq: header.seq, verdict: verdict.action }, 'asking the log');
      behindBeats = 0;
      context.need = 'catch_up';
      // The rest waits for after the catch-up, which skips what it covered.
      queue.unshift(frames.slice(index));
      break;
    }
    if (!(await steps.apply(rows, at, 'live'))) context.need = 'snapshot';
  };
}

/** Up to `maxBatch` frames, waiting for the first; empty when the queue was woken without any. */
async function takeBatch(context: SubscriberContext, maxBatch: number): Promise<StreamMessage[]> {
  const frames = await context.queue.take(maxBatch);
  if (frames.length > 0 && frames.length < maxBatch) {
    // Frames come in bursts (a transaction's rows, a tail's page): one more turn of the event
    // loop lets the rest of the burst in, to be applied in the same transaction.
    await nextTurn();
    frames.push(...context.queue.takeReady(maxBatch - frames.length));
  }
  return frames;
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
