import type { SyncReplyMessage } from '@schedulezero/protocol';
import type { AppliedEvent } from '../types.ts';
import { localNow, type SubscriberContext } from './subscriber-context.ts';
import type { SyncClient } from './sync-client.ts';

export interface TimedRow {
  seq: number;
  topic: string;
  payload: unknown;
  /** Commit time on the master (ms). */
  time: number;
}

export interface ReplicaSteps {
  /** Applies rows and the new position in one transaction; false when the replica must resnapshot. */
  apply(rows: TimedRow[], to: number, source: 'live' | 'sync'): Promise<boolean>;
  /** Pages the log from appliedSeq + 1 to the head; what to do next. */
  catchUp(): Promise<'live' | 'snapshot'>;
  /** Loads a snapshot page by page; then a catch-up from its seq + 1. */
  snapshot(): Promise<'catch_up'>;
}

/**
 * The subscriber's writing steps, through the store's replica apply path; each leaves
 * `context.position` equal to what the replica database holds. `client` asks the master's log.
 */
export function replicaSteps(context: SubscriberContext, client: SyncClient, pageSize: number): ReplicaSteps {
  const { store, zone, kinds, logger, lag, position } = context;

  function applied(event: AppliedEvent, rows: number): void {
    context.counters.appliedRows += rows;
    if (event.source === 'sync') context.counters.catchUpRows += rows;
    context.listeners.emit('applied', event);
  }

  async function apply(rows: TimedRow[], to: number, source: 'live' | 'sync'): Promise<boolean> {
    const fresh = rows.filter((row) => row.seq > position.applied);
    if (to <= position.applied && fresh.length === 0) return true;
    if (position.epoch === null) return false;
    const result = await store.applyReplicated({
      zone,
      epoch: position.epoch,
      rows: fresh.map(({ seq, topic, payload }) => ({ seq, topic, payload })),
      appliedSeq: to,
    });
    if (!result.ok) {
      logger.warn({ zone, reason: result.reason }, 'the replica refused a batch: taking a snapshot');
      return false;
    }
    const fromSeq = position.applied;
    position.applied = result.value.appliedSeq;
    lag.applied(position.applied, fresh.at(-1)?.time ?? null);
    applied({ source, fromSeq, toSeq: position.applied, seqs: fresh.map((row) => row.seq) }, fresh.length);
    return true;
  }

  const syncPage = (fromSeq: number): Promise<SyncReplyMessage> => {
    const reply = client.request({ type: 'sync', epoch: position.epoch, fromSeq, limit: pageSize, kinds });
    // A page asked ahead may be abandoned (the page before it failed): its failure is not unhandled.
    reply.catch(() => {});
    return reply;
  };

  /**
   * Pages the log from appliedSeq + 1. The next page is asked for before the current one is
   * applied, so that the master reads and sends it while the replica writes: the two processes
   * work side by side instead of in turns. Pages still apply one at a time, in order.
   */
  async function catchUp(): Promise<'live' | 'snapshot'> {
    let fromSeq = position.applied + 1;
    let next = syncPage(fromSeq);
    for (;;) {
      const reply = await next;
      if (reply.type === 'snapshot_required') {
        logger.info(
          { zone, reason: reply.reason, fromSeq, headSeq: reply.headSeq },
          'the log cannot serve: snapshot',
        );
        return 'snapshot';
      }
      if (reply.type !== 'changes') throw unexpected(reply, 'changes');
      if (reply.epoch !== position.epoch) return 'snapshot';
      const { rows, lastSeq } = reply;
      const ordered = rows.every(
        (row, index) =>
          row.seq >= fromSeq && row.seq <= lastSeq && (index === 0 || row.seq > (rows[index - 1]?.seq ?? 0)),
      );
      // A page that does not move the position while announcing more would loop forever.
      if (!ordered || lastSeq < position.applied || (reply.more && lastSeq < fromSeq))
        throw new Error(`malformed catch-up page from seq ${fromSeq}`);
      if (reply.more) next = syncPage(lastSeq + 1);
      lag.head(reply.headSeq, rows.at(-1)?.time ?? lag.masterNow(localNow(context)), position.applied);
      if (!(await apply(rows, lastSeq, 'sync'))) return 'snapshot';
      logger.debug({ zone, fromSeq, lastSeq, rows: rows.length, headSeq: reply.headSeq }, 'caught up a page');
      if (!reply.more) return 'live';
      // A successful apply leaves the position at lastSeq at least (rows at or below it are
      // skipped on apply), so the page asked ahead follows on.
      fromSeq = lastSeq + 1;
    }
  }

  async function snapshot(): Promise<'catch_up'> {
    const before = position.applied;
    let page = await client.request({
      type: 'snapshot',
      snapshotId: null,
      offset: 0,
      limit: pageSize,
      kinds,
    });
    if (page.type !== 'snapshot_page') throw unexpected(page, 'snapshot_page');
    const { snapshotId, epoch, seq } = page;
    logger.info(
      { zone, epoch, seq, records: page.total, previousEpoch: position.epoch },
      'loading a snapshot',
    );
    await store.resetReplica({ zone, epoch, snapshotSeq: seq, kinds });
    position.epoch = epoch;
    position.applied = 0;
    for (;;) {
      const complete = !page.more;
      const result = await store.applySnapshot({
        zone,
        epoch,
        snapshotSeq: seq,
        records: page.records,
        complete,
      });
      if (!result.ok) throw new Error(`the replica refused a snapshot page: ${result.reason}`);
      if (complete) break;
      const offset = page.offset + page.records.length;
      const next = await client.request({ type: 'snapshot', snapshotId, offset, limit: pageSize, kinds });
      // The master dropped it (idle too long, restarted): the loop starts a new one.
      if (next.type === 'snapshot_expired')
        throw new Error(`snapshot ${snapshotId} expired at offset ${offset}`);
      if (next.type !== 'snapshot_page' || next.snapshotId !== snapshotId)
        throw unexpected(next, 'snapshot_page');
      page = next;
    }
    position.applied = seq;
    applied({ source: 'snapshot', fromSeq: before, toSeq: seq, seqs: [] }, 0);
    logger.info({ zone, epoch, seq }, 'snapshot loaded');
    return 'catch_up';
  }

  return { apply, catchUp, snapshot };
}

function unexpected(reply: SyncReplyMessage, wanted: string): Error {
  const detail = reply.type === 'error' ? `${reply.code}: ${reply.message}` : reply.type;
  return new Error(`expected ${wanted} from the master, got ${detail}`);
}
