import {
  decodeSyncRequest,
  encodeSyncReply,
  type SnapshotRecordMessage,
  type SnapshotRequiredReason,
  type SyncReplyMessage,
  type SyncRequestMessage,
  takesTopic,
} from '@schedulezero/protocol';
import { type ChangeFeed, type Clock, type Logger, toError } from '@schedulezero/scheduler-core';
import type { SendOutcome } from '../socket-sender.ts';
import type { ZoneStats } from '../types.ts';
import { SnapshotCache } from './snapshot-cache.ts';

type Request<T extends SyncRequestMessage['type']> = Extract<SyncRequestMessage, { type: T }>;

export interface SyncServerOptions {
  zone: string;
  store: ChangeFeed;
  pageSize: number;
  maxPageBytes: number;
  snapshotTtlMs: number;
  maxSnapshots: number;
  clock: Clock;
  logger: Logger;
  stats: ZoneStats;
  send: (frames: Uint8Array[]) => Promise<SendOutcome>;
}

/** Requests served at once per zone; more get `busy` and retry (a snapshot read can take a while). */
const MAX_IN_FLIGHT = 8;

/**
 * The master's catch-up ROUTER for one zone: `sync` pages the change log (or says
 * `snapshot_required`), `snapshot` reads the zone's state once and pages it out. Every request gets
 * one reply; a malformed one is counted and dropped.
 */
export function createSyncServer(options: SyncServerOptions) {
  const { zone, store, stats, logger } = options;
  const cache = new SnapshotCache({ ttlMs: options.snapshotTtlMs, max: options.maxSnapshots });
  const inFlight = new Set<Promise<void>>();
  const now = () => options.clock.now().getTime();

  function drop(reason: string, detail: string): void {
    stats.dropped[reason] = (stats.dropped[reason] ?? 0) + 1;
    logger.debug({ zone, reason, detail }, 'dropped a sync request');
  }

  async function sync(request: Request<'sync'>): Promise<SyncReplyMessage> {
    stats.syncRequests += 1;
    const head = await store.changeHead(zone);
    const required = (reason: SnapshotRequiredReason): SyncReplyMessage => {
      stats.snapshotRequired[reason] = (stats.snapshotRequired[reason] ?? 0) + 1;
      return {
        type: 'snapshot_required',
        requestId: request.requestId,
        epoch: head.epoch,
        reason,
        headSeq: head.seq,
      };
    };
    if (request.epoch !== head.epoch) return required('unknown_epoch');
    // A replica ahead of the log: the database went back (a restored backup keeps its epoch).
    if (request.fromSeq > head.seq + 1) return required('reset');
    if (request.fromSeq < head.oldestSeq) return required('retention');
    const rows = await store.readChanges(zone, request.fromSeq, Math.min(request.limit, options.pageSize));
    // Pruned between the two reads.
    if (request.fromSeq <= head.seq && rows[0]?.seq !== request.fromSeq) return required('retention');
    const page: SyncReplyMessage & { type: 'changes' } = {
      type: 'changes',
      requestId: request.requestId,
      epoch: head.epoch,
      rows: [],
      lastSeq: request.fromSeq - 1,
      more: false,
      headSeq: head.seq,
    };
    let bytes = 0;
    for (const row of rows) {
      if (takesTopic(request.kinds, row.topic)) {
        const size = jsonSize(row.payload);
        if (page.rows.length > 0 && bytes + size > options.maxPageBytes) break;
        bytes += size;
        page.rows.push({
          seq: row.seq,
          topic: row.topic,
          time: row.createdAt.getTime(),
          payload: row.payload,
        });
      }
      // Rows of kinds not taken are covered all the same: the replica's position moves over them.
      page.lastSeq = row.seq;
    }
    page.headSeq = Math.max(head.seq, page.lastSeq);
    page.more = page.lastSeq < page.headSeq;
    return page;
  }

  async function snapshot(request: Request<'snapshot'>): Promise<SyncReplyMessage> {
    stats.snapshotRequests += 1;
    let entry = request.snapshotId === null ? undefined : cache.get(request.snapshotId, now());
    if (request.snapshotId !== null && entry === undefined)
      return { type: 'snapshot_expired', requestId: request.requestId };
    if (entry === undefined) {
      const read = await store.readSnapshot(zone);
      stats.snapshotsRead += 1;
      const records: SnapshotRecordMessage[] = read.records
        .filter((record) => takesTopic(request.kinds, record.topic))
        .map((record) => ({ topic: record.topic, payload: record.payload }));
      entry = cache.add({ epoch: read.epoch, seq: read.seq, records }, now());
      logger.info({ zone, snapshotId: entry.id, seq: read.seq, records: records.length }, 'snapshot read');
    }
    const offset = Math.min(request.offset, entry.records.length);
    const records: SnapshotRecordMessage[] = [];
    let bytes = 0;
    for (const record of entry.records.slice(offset, offset + Math.min(request.limit, options.pageSize))) {
      const size = jsonSize(record.payload);
      if (records.length > 0 && bytes + size > options.maxPageBytes) break;
      bytes += size;
      records.push(record);
    }
    const more = offset + records.length < entry.records.length;
    if (!more) cache.delete(entry.id);
    return {
      type: 'snapshot_page',
      requestId: request.requestId,
      snapshotId: entry.id,
      epoch: entry.epoch,
      seq: entry.seq,
      offset,
      total: entry.records.length,
      records,
      more,
    };
  }

  async function respond(identity: Uint8Array, request: SyncRequestMessage): Promise<void> {
    let reply: SyncReplyMessage;
    try {
      reply = request.type === 'sync' ? await sync(request) : await snapshot(request);
    } catch (error) {
      logger.error({ zone, err: toError(error), type: request.type }, 'sync request failed');
      reply = {
        type: 'error',
        requestId: request.requestId,
        code: 'internal',
        message: toError(error).message,
      };
    }
    const outcome = await options.send([identity, ...encodeSyncReply(reply)]);
    if (!outcome.ok) stats.sendErrors[outcome.code] = (stats.sendErrors[outcome.code] ?? 0) + 1;
  }

  return {
    /** Called by the ROUTER's one reader loop; answers asynchronously. */
    handle(frames: readonly Uint8Array[]): void {
      const [identity, ...rest] = frames;
      if (identity === undefined) {
        drop('truncated', 'no routing id');
        return;
      }
      const decoded = decodeSyncRequest(rest);
      if (!decoded.ok) {
        drop(decoded.reason, decoded.detail);
        return;
      }
      const request = decoded.value;
      if (inFlight.size >= MAX_IN_FLIGHT) {
        drop('busy', request.type);
        const busy: SyncReplyMessage = {
          type: 'error',
          requestId: request.requestId,
          code: 'busy',
          message: 'retry',
        };
        void options.send([identity, ...encodeSyncReply(busy)]);
        return;
      }
      const work: Promise<void> = respond(identity, request).finally(() => inFlight.delete(work));
      inFlight.add(work);
    },

    /** Resolves when every request received so far has been answered. */
    async idle(): Promise<void> {
      await Promise.all([...inFlight]);
    },
  };
}

function jsonSize(value: unknown): number {
  return JSON.stringify(value ?? null).length;
}
