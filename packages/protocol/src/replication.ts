// Over 300 lines: the stream and catch-up frames are one wire format, read side by side with docs/replication.md.
import { z } from 'zod';
import { HEARTBEAT_TOPIC, REPLICATION_KINDS, type ReplicationKind, topicKind } from './replication-topics.ts';

/**
 * The replication wire format (docs/replication.md): one stream per zone, published by the master.
 *
 * Stream (master PUB -> replica SUB), three frames `[topic, header, payload]`:
 *   - topic:   ASCII, `schedule.created` ... or `heartbeat`; SUB filters by prefix (`schedule.`).
 *   - header:  fixed binary layout, big-endian, `STREAM_HEADER_BYTES` long (see `encodeStreamHeader`).
 *   - payload: the change-log row's payload as UTF-8 JSON; empty for a heartbeat.
 *
 * Catch-up (replica DEALER -> master ROUTER), three frames `[version, type, body]` as on the handler
 * link: ASCII version, ASCII type, UTF-8 JSON body. Each request gets exactly one reply carrying its
 * `requestId`; a replica drops replies to requests it no longer waits for.
 *
 * Decoding never throws: a bad frame comes back as `{ ok: false, reason }` to be counted and dropped.
 */

export const REPLICATION_VERSION = 1;
export const DEFAULT_REPLICATION_MAX_BODY_BYTES = 64 * 1024 * 1024;

// ---- stream header ----

/** Byte 1 of the header: a heartbeat, a change of a known kind, or a change of another kind. */
const FRAME_KIND_CODES = { heartbeat: 0, schedule: 1, job: 2, handler: 3, other: 255 } as const;
export type StreamFrameKind = keyof typeof FRAME_KIND_CODES;

/**
 * The last seq of each kind a stream has carried, at or before a frame. Filtered replicas use them
 * to tell rows of kinds they do not take from lost ones (docs/replication.md, "Topic selection").
 * A master may over-state a mark (e.g. the head after a restart); it never under-states one.
 */
export type KindMarks = Record<ReplicationKind, number>;

export interface StreamHeader {
  kind: StreamFrameKind;
  /** The master database's epoch: 32 lowercase hex digits (16 bytes on the wire). */
  epoch: string;
  /** A change: its seq. A heartbeat: the last seq the publisher has sent. */
  seq: number;
  /** Master clock, ms since the Unix epoch: a change's commit time, a heartbeat's send time. */
  masterTime: number;
  /** A change: the marks before it. A heartbeat: the marks up to `seq`. */
  marks: KindMarks;
}

/**
 * | offset | bytes | field |
 * |---|---|---|
 * | 0 | 1 | version (1) |
 * | 1 | 1 | frame kind: 0 heartbeat, 1 schedule, 2 job, 3 handler, 255 other |
 * | 2 | 16 | epoch |
 * | 18 | 8 | seq, u64 |
 * | 26 | 8 | master time, u64 ms |
 * | 34 | 8 | mark schedule, u64 |
 * | 42 | 8 | mark job, u64 |
 * | 50 | 8 | mark handler, u64 |
 *
 * A longer header of version 1 is accepted and the tail ignored, so fields can be appended.
 */
export const STREAM_HEADER_BYTES = 58;
const EPOCH_PATTERN = /^[0-9a-f]{32}$/;

export type StreamDropReason = 'truncated' | 'malformed' | 'oversized' | 'unknown_version';
export type Decoded<T, R extends string = StreamDropReason> =
  | { ok: true; value: T }
  | { ok: false; reason: R; detail: string };

export function isEpoch(value: string): boolean {
  return EPOCH_PATTERN.test(value);
}

/** Throws on values no master produces (a bad epoch, a negative or unsafe seq): a bug, not input. */
export function encodeStreamHeader(header: StreamHeader): Uint8Array {
  if (!isEpoch(header.epoch)) throw new Error(`epoch must be 32 lowercase hex digits: ${header.epoch}`);
  const bytes = Buffer.alloc(STREAM_HEADER_BYTES);
  bytes.writeUInt8(REPLICATION_VERSION, 0);
  bytes.writeUInt8(FRAME_KIND_CODES[header.kind], 1);
  bytes.write(header.epoch, 2, 16, 'hex');
  const u64 = [header.seq, header.masterTime, ...REPLICATION_KINDS.map((kind) => header.marks[kind])];
  u64.forEach((value, index) => {
    if (!Number.isSafeInteger(value) || value < 0)
      throw new Error(`header field ${index} out of range: ${value}`);
    bytes.writeBigUInt64BE(BigInt(value), 18 + index * 8);
  });
  return bytes;
}

export function decodeStreamHeader(frame: Uint8Array): Decoded<StreamHeader> {
  if (frame.byteLength < 1) return { ok: false, reason: 'truncated', detail: 'empty header' };
  const bytes = Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
  const version = bytes.readUInt8(0);
  if (version !== REPLICATION_VERSION)
    return { ok: false, reason: 'unknown_version', detail: `header version ${version}` };
  if (bytes.byteLength < STREAM_HEADER_BYTES)
    return { ok: false, reason: 'truncated', detail: `header of ${bytes.byteLength} bytes` };
  const code = bytes.readUInt8(1);
  const kind = (Object.keys(FRAME_KIND_CODES) as StreamFrameKind[]).find(
    (name) => FRAME_KIND_CODES[name] === code,
  );
  if (kind === undefined) return { ok: false, reason: 'malformed', detail: `frame kind ${code}` };
  const u64: number[] = [];
  for (let offset = 18; offset < STREAM_HEADER_BYTES; offset += 8) {
    const value = bytes.readBigUInt64BE(offset);
    if (value > BigInt(Number.MAX_SAFE_INTEGER))
      return { ok: false, reason: 'malformed', detail: `u64 at ${offset} exceeds 2^53` };
    u64.push(Number(value));
  }
  const [seq = 0, masterTime = 0, schedule = 0, job = 0, handler = 0] = u64;
  return {
    ok: true,
    value: {
      kind,
      epoch: bytes.toString('hex', 2, 18),
      seq,
      masterTime,
      marks: { schedule, job, handler },
    },
  };
}

/** The kind byte of a change on `topic`. */
export function frameKindOf(topic: string): StreamFrameKind {
  return topicKind(topic) ?? 'other';
}

// ---- stream frames ----

export interface StreamMessage {
  topic: string;
  header: StreamHeader;
  /** Parsed JSON; `null` for a heartbeat. */
  payload: unknown;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });
const EMPTY = new Uint8Array(0);
const MAX_TOPIC_BYTES = 64;

export function encodeStreamMessage(message: StreamMessage): [Uint8Array, Uint8Array, Uint8Array] {
  const payload =
    message.header.kind === 'heartbeat' ? EMPTY : encoder.encode(JSON.stringify(message.payload));
  return [encoder.encode(message.topic), encodeStreamHeader(message.header), payload];
}

export function decodeStreamMessage(
  frames: readonly Uint8Array[],
  options: { maxBodyBytes?: number } = {},
): Decoded<StreamMessage> {
  const [topicFrame, headerFrame, payloadFrame] = frames;
  if (frames.length > 3)
    return { ok: false, reason: 'malformed', detail: `${frames.length} frames, expected 3` };
  if (!topicFrame || !headerFrame || !payloadFrame || topicFrame.byteLength === 0)
    return { ok: false, reason: 'truncated', detail: `${frames.length} frames, expected 3` };
  if (topicFrame.byteLength > MAX_TOPIC_BYTES)
    return { ok: false, reason: 'oversized', detail: `topic of ${topicFrame.byteLength} bytes` };
  if (payloadFrame.byteLength > (options.maxBodyBytes ?? DEFAULT_REPLICATION_MAX_BODY_BYTES))
    return { ok: false, reason: 'oversized', detail: `payload of ${payloadFrame.byteLength} bytes` };
  const header = decodeStreamHeader(headerFrame);
  if (!header.ok) return header;
  const topic = String.fromCharCode(...topicFrame);
  if (header.value.kind === 'heartbeat') {
    if (topic !== HEARTBEAT_TOPIC) return { ok: false, reason: 'malformed', detail: `heartbeat on ${topic}` };
    return { ok: true, value: { topic, header: header.value, payload: null } };
  }
  if (header.value.kind !== frameKindOf(topic))
    return { ok: false, reason: 'malformed', detail: `kind ${header.value.kind} on topic ${topic}` };
  const payload = parseJson(payloadFrame);
  if (!payload.ok) return { ok: false, reason: 'malformed', detail: `${topic} payload is not UTF-8 JSON` };
  return { ok: true, value: { topic, header: header.value, payload: payload.value } };
}

function parseJson(bytes: Uint8Array): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(decoder.decode(bytes)) };
  } catch {
    return { ok: false };
  }
}

// ---- catch-up requests and replies ----

const epochSchema = z.string().regex(EPOCH_PATTERN);
const seqSchema = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const requestIdSchema = z.string().min(1).max(64);
const kindsSchema = z.array(z.enum(REPLICATION_KINDS)).min(1).max(REPLICATION_KINDS.length).nullable();
const topicSchema = z.string().min(1).max(MAX_TOPIC_BYTES);
const limitSchema = z.number().int().min(1).max(100_000);

/** Rows with `seq >= fromSeq`, of `kinds` (null: all). `epoch` is the one the replica's state has. */
export const syncRequestSchema = z.object({
  requestId: requestIdSchema,
  epoch: epochSchema.nullable(),
  fromSeq: seqSchema.min(1),
  limit: limitSchema,
  kinds: kindsSchema,
});

/** Starts a snapshot (`snapshotId` null) or asks for the page at `offset` of one being served. */
export const snapshotRequestSchema = z.object({
  requestId: requestIdSchema,
  snapshotId: z.string().min(1).max(64).nullable(),
  offset: z.number().int().min(0),
  limit: limitSchema,
  kinds: kindsSchema,
});

export const changeRowSchema = z.object({
  seq: seqSchema.min(1),
  topic: topicSchema,
  /** Commit time on the master, ms since the Unix epoch. */
  time: z.number().int().min(0),
  payload: z.unknown(),
});

/**
 * A page of a sync. `rows` are the rows of the requested kinds among the seqs `fromSeq..lastSeq`;
 * the rest of that range was of other kinds. `more`: `lastSeq < headSeq`, ask again from lastSeq + 1.
 */
export const changesReplySchema = z.object({
  requestId: requestIdSchema,
  epoch: epochSchema,
  rows: z.array(changeRowSchema),
  lastSeq: seqSchema,
  more: z.boolean(),
  headSeq: seqSchema,
});

export const SNAPSHOT_REQUIRED_REASONS = ['unknown_epoch', 'retention', 'reset'] as const;
/** The replica cannot catch up from the log: unknown epoch, `fromSeq` pruned, or the master went back. */
export const snapshotRequiredReplySchema = z.object({
  requestId: requestIdSchema,
  epoch: epochSchema,
  reason: z.enum(SNAPSHOT_REQUIRED_REASONS),
  headSeq: seqSchema,
});

export const snapshotRecordSchema = z.object({ topic: topicSchema, payload: z.unknown() });

/** The records `offset..offset + records.length` of a snapshot read at `seq` (all of it up to `seq`). */
export const snapshotPageReplySchema = z.object({
  requestId: requestIdSchema,
  snapshotId: z.string().min(1).max(64),
  epoch: epochSchema,
  seq: seqSchema,
  offset: z.number().int().min(0),
  total: z.number().int().min(0),
  records: z.array(snapshotRecordSchema),
  more: z.boolean(),
});

/** The snapshot was dropped from the master's cache (idle too long, or the master restarted): start over. */
export const snapshotExpiredReplySchema = z.object({ requestId: requestIdSchema });

export const errorReplySchema = z.object({
  requestId: requestIdSchema,
  code: z.enum(['busy', 'invalid', 'internal']),
  message: z.string().max(4096),
});

const requestBodies = { sync: syncRequestSchema, snapshot: snapshotRequestSchema } as const;
const replyBodies = {
  changes: changesReplySchema,
  snapshot_required: snapshotRequiredReplySchema,
  snapshot_page: snapshotPageReplySchema,
  snapshot_expired: snapshotExpiredReplySchema,
  error: errorReplySchema,
} as const;

type Bodies = Record<string, z.ZodType<object>>;
type MessageOf<B extends Bodies> = { [K in keyof B & string]: { type: K } & z.infer<B[K]> }[keyof B & string];

export type SyncRequestMessage = MessageOf<typeof requestBodies>;
export type SyncReplyMessage = MessageOf<typeof replyBodies>;
export type ChangeRowMessage = z.infer<typeof changeRowSchema>;
export type SnapshotRecordMessage = z.infer<typeof snapshotRecordSchema>;
export type SnapshotRequiredReason = (typeof SNAPSHOT_REQUIRED_REASONS)[number];

export type SyncDropReason =
  | 'truncated'
  | 'malformed'
  | 'oversized'
  | 'unknown_version'
  | 'unknown_type'
  | 'invalid';

const VERSION_FRAME = encoder.encode(String(REPLICATION_VERSION));

function encodeSyncMessage(message: { type: string }): [Uint8Array, Uint8Array, Uint8Array] {
  const { type, ...body } = message;
  return [VERSION_FRAME, encoder.encode(type), encoder.encode(JSON.stringify(body))];
}

function decodeSyncMessage<B extends Bodies>(
  frames: readonly Uint8Array[],
  bodies: B,
  maxBodyBytes: number,
): Decoded<MessageOf<B>, SyncDropReason> {
  const [versionFrame, typeFrame, bodyFrame] = frames;
  if (frames.length > 3)
    return { ok: false, reason: 'malformed', detail: `${frames.length} frames, expected 3` };
  if (!versionFrame || !typeFrame || !bodyFrame)
    return { ok: false, reason: 'truncated', detail: `${frames.length} frames, expected 3` };
  if (versionFrame.byteLength > 8 || typeFrame.byteLength > 32 || bodyFrame.byteLength > maxBodyBytes)
    return { ok: false, reason: 'oversized', detail: 'a frame exceeds its limit' };
  const version = String.fromCharCode(...versionFrame);
  if (version !== String(REPLICATION_VERSION))
    return { ok: false, reason: 'unknown_version', detail: `version ${JSON.stringify(version)}` };
  const type = String.fromCharCode(...typeFrame);
  const schema = Object.hasOwn(bodies, type) ? bodies[type] : undefined;
  if (!schema) return { ok: false, reason: 'unknown_type', detail: `type ${JSON.stringify(type)}` };
  const raw = parseJson(bodyFrame);
  if (!raw.ok || typeof raw.value !== 'object' || raw.value === null || Array.isArray(raw.value))
    return { ok: false, reason: 'malformed', detail: `${type} body is not a JSON object` };
  const parsed = schema.safeParse(raw.value);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 3)
      .map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`);
    return { ok: false, reason: 'invalid', detail: `${type}: ${issues.join('; ')}` };
  }
  return { ok: true, value: { ...parsed.data, type } as MessageOf<B> };
}

export function encodeSyncRequest(message: SyncRequestMessage): [Uint8Array, Uint8Array, Uint8Array] {
  return encodeSyncMessage(message);
}

export function encodeSyncReply(message: SyncReplyMessage): [Uint8Array, Uint8Array, Uint8Array] {
  return encodeSyncMessage(message);
}

/** A request as the master's ROUTER received it, routing id already removed. */
export function decodeSyncRequest(
  frames: readonly Uint8Array[],
  options: { maxBodyBytes?: number } = {},
): Decoded<SyncRequestMessage, SyncDropReason> {
  // Requests are small; a large one is not from a replica.
  return decodeSyncMessage(frames, requestBodies, options.maxBodyBytes ?? 64 * 1024);
}

export function decodeSyncReply(
  frames: readonly Uint8Array[],
  options: { maxBodyBytes?: number } = {},
): Decoded<SyncReplyMessage, SyncDropReason> {
  return decodeSyncMessage(frames, replyBodies, options.maxBodyBytes ?? DEFAULT_REPLICATION_MAX_BODY_BYTES);
}
