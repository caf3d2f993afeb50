import { describe, expect, it } from 'vitest';
import {
  decodeStreamHeader,
  decodeStreamMessage,
  decodeSyncReply,
  decodeSyncRequest,
  encodeStreamHeader,
  encodeStreamMessage,
  encodeSyncReply,
  encodeSyncRequest,
  STREAM_HEADER_BYTES,
  type StreamHeader,
  type SyncReplyMessage,
  type SyncRequestMessage,
  subscriptionPrefixes,
  topicKind,
} from '../src/index.ts';

const text = (value: string) => new TextEncoder().encode(value);
const EPOCH = '0123456789abcdef0123456789abcdef';

const header: StreamHeader = {
  kind: 'schedule',
  epoch: EPOCH,
  seq: 2 ** 40 + 7,
  masterTime: Date.parse('2026-03-01T12:00:00.123Z'),
  marks: { schedule: 2 ** 40 + 6, job: 3, handler: 0 },
};

describe('stream header', () => {
  it('has a fixed big-endian layout', () => {
    const bytes = Buffer.from(encodeStreamHeader(header));
    expect(bytes.byteLength).toBe(STREAM_HEADER_BYTES);
    expect(bytes[0]).toBe(1);
    expect(bytes[1]).toBe(1);
    expect(bytes.toString('hex', 2, 18)).toBe(EPOCH);
    expect(bytes.readBigUInt64BE(18)).toBe(BigInt(2 ** 40 + 7));
    expect(bytes.readBigUInt64BE(26)).toBe(BigInt(header.masterTime));
    expect(bytes.readBigUInt64BE(42)).toBe(3n);
    expect(decodeStreamHeader(bytes)).toEqual({ ok: true, value: header });
  });

  it('round-trips heartbeats and rows of other kinds, and ignores a longer tail', () => {
    for (const kind of ['heartbeat', 'job', 'handler', 'other'] as const) {
      const bytes = encodeStreamHeader({ ...header, kind });
      expect(decodeStreamHeader(Buffer.concat([bytes, Buffer.from([9, 9])]))).toEqual({
        ok: true,
        value: { ...header, kind },
      });
    }
  });

  it('returns malformed headers as values', () => {
    const good = Buffer.from(encodeStreamHeader(header));
    const badVersion = Buffer.from(good);
    badVersion[0] = 2;
    const badKind = Buffer.from(good);
    badKind[1] = 7;
    const huge = Buffer.from(good);
    huge.writeBigUInt64BE(2n ** 60n, 18);
    expect(decodeStreamHeader(new Uint8Array(0))).toMatchObject({ ok: false, reason: 'truncated' });
    expect(decodeStreamHeader(good.subarray(0, 40))).toMatchObject({ ok: false, reason: 'truncated' });
    expect(decodeStreamHeader(badVersion)).toMatchObject({ ok: false, reason: 'unknown_version' });
    expect(decodeStreamHeader(badKind)).toMatchObject({ ok: false, reason: 'malformed' });
    expect(decodeStreamHeader(huge)).toMatchObject({ ok: false, reason: 'malformed' });
  });

  it('refuses to encode what no master produces', () => {
    expect(() => encodeStreamHeader({ ...header, epoch: 'nope' })).toThrow('epoch');
    expect(() => encodeStreamHeader({ ...header, seq: -1 })).toThrow('out of range');
  });
});

describe('stream messages', () => {
  it('round-trips a change and a heartbeat', () => {
    const change = {
      topic: 'schedule.updated',
      header,
      payload: { id: 's1', nextRunAt: '2026-03-01T00:00:00.000Z' },
    };
    expect(decodeStreamMessage(encodeStreamMessage(change))).toEqual({ ok: true, value: change });
    const beat = { topic: 'heartbeat', header: { ...header, kind: 'heartbeat' as const }, payload: null };
    const frames = encodeStreamMessage(beat);
    expect(frames[2].byteLength).toBe(0);
    expect(decodeStreamMessage(frames)).toEqual({ ok: true, value: beat });
  });

  it('drops bad frames with a reason', () => {
    const good = encodeStreamMessage({
      topic: 'job.executed',
      header: { ...header, kind: 'job' },
      payload: 1,
    });
    const cases: Array<[Uint8Array[], string]> = [
      [good.slice(0, 2), 'truncated'],
      [[...good, text('x')], 'malformed'],
      [[text('job.executed'), good[1], text('{nope')], 'malformed'],
      [[text('schedule.created'), good[1], good[2]], 'malformed'],
      [[text('heartbeat'), good[1], good[2]], 'malformed'],
      [[text('x'.repeat(65)), good[1], good[2]], 'oversized'],
      [[good[0], text('garbage'), good[2]], 'unknown_version'],
    ];
    for (const [frames, reason] of cases)
      expect(decodeStreamMessage(frames)).toMatchObject({ ok: false, reason });
    expect(decodeStreamMessage(good, { maxBodyBytes: 0 })).toMatchObject({ ok: false, reason: 'oversized' });
  });

  it('maps topics to kinds and kinds to SUB prefixes', () => {
    expect(topicKind('schedule.deleted')).toBe('schedule');
    expect(topicKind('handler.offline')).toBe('handler');
    expect(topicKind('heartbeat')).toBeNull();
    expect(topicKind('audit.logged')).toBeNull();
    expect(subscriptionPrefixes(null)).toEqual(['']);
    expect(subscriptionPrefixes(['schedule', 'job'])).toEqual(['heartbeat', 'schedule.', 'job.']);
  });
});

describe('catch-up messages', () => {
  it('round-trips requests and replies', () => {
    const requests: SyncRequestMessage[] = [
      { type: 'sync', requestId: 'r1', epoch: EPOCH, fromSeq: 11, limit: 500, kinds: ['schedule', 'job'] },
      { type: 'sync', requestId: 'r2', epoch: null, fromSeq: 1, limit: 1, kinds: null },
      { type: 'snapshot', requestId: 'r3', snapshotId: null, offset: 0, limit: 100, kinds: null },
    ];
    for (const request of requests)
      expect(decodeSyncRequest(encodeSyncRequest(request))).toEqual({ ok: true, value: request });
    const replies: SyncReplyMessage[] = [
      {
        type: 'changes',
        requestId: 'r1',
        epoch: EPOCH,
        rows: [{ seq: 11, topic: 'schedule.created', time: 1, payload: { id: 'a' } }],
        lastSeq: 14,
        more: true,
        headSeq: 99,
      },
      { type: 'snapshot_required', requestId: 'r2', epoch: EPOCH, reason: 'retention', headSeq: 99 },
      {
        type: 'snapshot_page',
        requestId: 'r3',
        snapshotId: 'snap-1',
        epoch: EPOCH,
        seq: 99,
        offset: 0,
        total: 1,
        records: [{ topic: 'handler.registered', payload: { id: 'h' } }],
        more: false,
      },
      { type: 'snapshot_expired', requestId: 'r4' },
      { type: 'error', requestId: 'r5', code: 'busy', message: 'later' },
    ];
    for (const reply of replies)
      expect(decodeSyncReply(encodeSyncReply(reply))).toEqual({ ok: true, value: reply });
  });

  it('drops bad requests with a reason', () => {
    const body = (value: object) => text(JSON.stringify(value));
    const sync = { requestId: 'r', epoch: EPOCH, fromSeq: 1, limit: 10, kinds: null };
    const cases: Array<[Uint8Array[], string]> = [
      [[text('1'), text('sync')], 'truncated'],
      [[text('2'), text('sync'), body(sync)], 'unknown_version'],
      [[text('1'), text('delete'), body(sync)], 'unknown_type'],
      [[text('1'), text('sync'), text('[1]')], 'malformed'],
      [[text('1'), text('sync'), body({ ...sync, fromSeq: 0 })], 'invalid'],
      [[text('1'), text('sync'), body({ ...sync, kinds: ['secrets'] })], 'invalid'],
      [[text('1'), text('sync'), body({ ...sync, epoch: 'x' })], 'invalid'],
      [[text('1'), text('sync'), text(' '.repeat(70_000))], 'oversized'],
    ];
    for (const [frames, reason] of cases)
      expect(decodeSyncRequest(frames)).toMatchObject({ ok: false, reason });
    // A request type is not a reply, and the other way round.
    expect(decodeSyncReply([text('1'), text('sync'), body(sync)])).toMatchObject({ reason: 'unknown_type' });
  });
});
