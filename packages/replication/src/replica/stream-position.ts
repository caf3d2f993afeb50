import { type KindMarks, type ReplicationKind, type StreamHeader, takesTopic } from '@schedulezero/protocol';

/**
 * How a replica judges a live frame against its position `at` (the last seq it has, applied or
 * about to be): pure, so that the rules are tested without sockets.
 *
 * A replica taking every kind sees every seq: a change must be `at + 1`. A replica taking some
 * kinds (topic selection) never sees the rows of the others, so it reads the frame's marks, the
 * last seq of each kind before the frame: when no kind it takes has a row after `at`, the seqs in
 * between were all of other kinds and the change follows on without a gap.
 */

export type FrameVerdict =
  /** At or below the position: applied already (a buffered frame after a catch-up, a duplicate). */
  | { action: 'skip' }
  /** The next change: apply it, the position becomes its seq. */
  | { action: 'apply'; to: number }
  /** A heartbeat that shows nothing missing: the position moves to its seq (over rows of other kinds). */
  | { action: 'advance'; to: number }
  /** Something this replica takes was lost on the way: catch up from the log. */
  | { action: 'gap'; missing: number }
  /** A heartbeat below the position: the publisher is behind the log, or the master went back; ask. */
  | { action: 'behind' }
  /** Another master database: the log cannot say; the catch-up answers snapshot_required. */
  | { action: 'epoch' };

export function judgeFrame(
  header: StreamHeader,
  topic: string,
  at: number,
  epoch: string | null,
  kinds: readonly ReplicationKind[] | null,
): FrameVerdict {
  if (header.epoch !== epoch) return { action: 'epoch' };
  if (header.kind === 'heartbeat') {
    if (header.seq < at) return { action: 'behind' };
    const pending = lastTaken(header.marks, kinds, header.seq);
    return pending <= at ? { action: 'advance', to: header.seq } : { action: 'gap', missing: pending - at };
  }
  if (header.seq <= at) return { action: 'skip' };
  if (!takesTopic(kinds, topic)) {
    // Not subscribed to, yet here (a prefix overlap, a misbehaving master): not ours to apply.
    return { action: 'skip' };
  }
  const before = kinds === null ? header.seq - 1 : lastTaken(header.marks, kinds, header.seq - 1);
  return before <= at ? { action: 'apply', to: header.seq } : { action: 'gap', missing: before - at };
}

/** The last seq of a kind this replica takes, as far as the marks tell; all kinds: every seq counts. */
function lastTaken(marks: KindMarks, kinds: readonly ReplicationKind[] | null, all: number): number {
  if (kinds === null) return all;
  return Math.min(all, Math.max(0, ...kinds.map((kind) => marks[kind])));
}
