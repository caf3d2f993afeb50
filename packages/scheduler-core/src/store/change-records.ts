import type { HandlerRecord, Job, Schedule } from '@schedulezero/protocol';
import { isFinal } from './job-transitions.ts';
import type { ChangeRetention, ChangeRow } from './ports/change-feed.ts';
import type { Change, ChangeProjector, ChangeRecord } from './types.ts';

/**
 * From the changes a write made to the change-log rows it appends. The dialect allocates `n`
 * seqs per zone on its stream head row and inserts what `numberRecords` returns, all in the
 * writing transaction.
 */

export interface ZoneBatch {
  zone: string;
  records: ChangeRecord[];
}

export function scheduleChange(op: 'created' | 'updated' | 'deleted', schedule: Schedule): Change {
  return { kind: 'schedule', op, schedule };
}

export function handlerChange(op: 'registered' | 'updated' | 'offline', handler: HandlerRecord): Change {
  return { kind: 'handler', op, handler };
}

/** Jobs are published once, when they reach a final status; the transitions before are noise. */
export function executedChanges(jobs: readonly Job[]): Change[] {
  return jobs.filter((job) => isFinal(job.status)).map((job) => ({ kind: 'job', op: 'executed', job }));
}

/**
 * Groups the projected records per zone, in change order within a zone. Zones come sorted so
 * that concurrent writers lock stream heads in one order and cannot deadlock.
 */
export function projectChanges(
  projector: ChangeProjector | undefined,
  changes: readonly Change[],
): ZoneBatch[] {
  if (projector === undefined || changes.length === 0) return [];
  const byZone = new Map<string, ChangeRecord[]>();
  for (const change of changes) {
    for (const record of projector(change)) {
      const records = byZone.get(record.zone) ?? [];
      records.push(record);
      byZone.set(record.zone, records);
    }
  }
  return [...byZone.keys()].sort().map((zone) => ({ zone, records: byZone.get(zone) ?? [] }));
}

/** The rows of one batch, given the zone's head after allocating `records.length` seqs. */
export function numberRecords(batch: ZoneBatch, head: number, epoch: string, createdAt: Date): ChangeRow[] {
  const first = head - batch.records.length + 1;
  return batch.records.map((record, index) => ({
    zone: batch.zone,
    seq: first + index,
    epoch,
    topic: record.topic,
    // The column is JSON: undefined would not round-trip, null does.
    payload: record.payload ?? null,
    createdAt,
  }));
}

/** Bounded multi-row INSERTs: both drivers cap the number of bound parameters per statement. */
export function chunks<T>(items: readonly T[], size = 500): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += size) result.push(items.slice(start, start + size));
  return result;
}

/** A snapshot's state as the records of creating it, kept for one zone (see `ChangeFeed.readSnapshot`). */
export function snapshotRecords(
  projector: ChangeProjector | undefined,
  zone: string,
  state: { schedules: readonly Schedule[]; jobs: readonly Job[]; handlers: readonly HandlerRecord[] },
): ChangeRecord[] {
  if (projector === undefined) return [];
  const changes: Change[] = [
    ...state.schedules.map((schedule) => scheduleChange('created', schedule)),
    ...state.handlers.map((handler) => handlerChange('registered', handler)),
    ...executedChanges(state.jobs),
  ];
  return changes.flatMap((change) =>
    projector(change)
      .filter((record) => record.zone === zone)
      // The column is JSON on the stream too: undefined does not round-trip, null does.
      .map((record) => ({ ...record, payload: record.payload ?? null })),
  );
}

/**
 * The highest seq `pruneChanges` deletes. `olderSeq` is the newest seq committed before
 * `retention.olderThan`; everything up to it goes, younger seqs below it included, so that the
 * retained rows stay contiguous although concurrent writers commit out of `createdAt` order.
 */
export function pruneCutoff(head: number, retention: ChangeRetention, olderSeq: number | null): number {
  let cutoff = 0;
  if (retention.keepRows !== undefined) cutoff = Math.max(cutoff, head - Math.max(0, retention.keepRows));
  if (retention.olderThan !== undefined && olderSeq !== null) cutoff = Math.max(cutoff, olderSeq);
  return Math.min(cutoff, head);
}

/** Runs after COMMIT: a failing listener cannot undo the write, so it must not fail the call. */
export function notifyCommit(onCommit: ((zones: string[]) => void) | undefined, zones: string[]): void {
  try {
    onCommit?.(zones);
  } catch {
    // Ignored by contract (StoreOptions.onCommit).
  }
}
