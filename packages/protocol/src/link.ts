import { z } from 'zod';
import { idSchema, isoInstantSchema, taskNameSchema } from './schedule.ts';

/**
 * The handler link: master ROUTER (default port 5555) <-> worker DEALER, routing id = handler id.
 *
 * The wire protocol, for writing a worker in another language, is in docs/handlers.md; keep it
 * in step with the schemas here.
 *
 * Every message is three ZeroMQ frames: `[version, type, body]`
 *   - version: the link version as ASCII decimal (`"1"`); a peer drops versions it does not speak.
 *   - type:    ASCII message type, e.g. `execute`.
 *   - body:    UTF-8 JSON object, at most `maxBodyBytes` (default 1 MiB).
 * The ROUTER sees a fourth frame in front, the sender's routing id; it strips it before decoding.
 *
 * Bodies are parsed with zod objects that ignore unknown keys, so a field can be added within a
 * version; removing or changing one needs a new version. Decoding never throws: a bad frame comes
 * back as `{ ok: false, reason }` so that the caller can count it and carry on.
 */

export const LINK_VERSION = 1;
export const SUPPORTED_LINK_VERSIONS: readonly number[] = [LINK_VERSION];
export const DEFAULT_LINK_PORT = 5555;
export const DEFAULT_LINK_MAX_BODY_BYTES = 1024 * 1024;
/** Version and type frames are short ASCII words; anything longer is not ours. */
const MAX_HEADER_FRAME_BYTES = 32;

const jobErrorSchema = z.object({
  code: z.string().min(1).max(64),
  message: z.string().max(4096),
});

const tagSchema = z.string().min(1).max(64);
const zoneSchema = z.string().min(1).max(64);
const jobIdSchema = z.string().min(1).max(256);

// ---- worker -> master ----

export const registerBodySchema = z.object({
  handlerId: idSchema,
  methods: z.array(taskNameSchema).min(1).max(1000),
  zone: zoneSchema,
  tags: z.array(tagSchema).max(32).default([]),
  /** Jobs this worker runs at once. */
  capacity: z.number().int().min(1).max(10_000),
  /** Jobs still running from before (the master restarted, or marked us offline); the master cancels those it does not know. */
  running: z.array(jobIdSchema).max(10_000).default([]),
  /** Informational: shown in logs. */
  host: z.string().max(256).optional(),
  pid: z.number().int().min(0).optional(),
});

export const heartbeatBodySchema = z.object({
  seq: z.number().int().min(0),
  activeJobs: z.number().int().min(0),
  /** Job ids running now; lets the master find executes or results lost on the way. */
  running: z.array(jobIdSchema).max(10_000).default([]),
  draining: z.boolean().default(false),
});

const resultBase = {
  jobId: jobIdSchema,
  attempt: z.number().int().min(1),
  durationMs: z.number().min(0),
};

export const resultBodySchema = z.discriminatedUnion('status', [
  z.object({ ...resultBase, status: z.literal('ok'), result: z.unknown() }),
  /** The function threw, timed out (`timeout`) or was cancelled (`cancelled`). */
  z.object({ ...resultBase, status: z.literal('error'), error: jobErrorSchema }),
  /** Not started (draining, full, unknown task): the master may send it elsewhere; no attempt is used up. */
  z.object({ ...resultBase, status: z.literal('rejected'), error: jobErrorSchema }),
]);

export const workerDrainBodySchema = z.object({
  /** `started`: send no new work. `done`: nothing left running, the worker is leaving now. */
  phase: z.enum(['started', 'done']),
});

// ---- master -> worker ----

export const registeredBodySchema = z.object({
  handlerId: idSchema,
  /** The worker heartbeats at this interval; the master's setting wins over the worker's. */
  heartbeatIntervalMs: z.number().int().min(10).max(3_600_000),
  missedHeartbeats: z.number().int().min(1).max(100),
  /** Changes on every master start: a worker that sees a new one knows the registry was reset. */
  masterId: z.string().min(1).max(64),
});

export const heartbeatAckBodySchema = z.object({
  seq: z.number().int().min(0),
  /** False when the master has no (live) registration for this worker: register again. */
  known: z.boolean(),
});

export const executeBodySchema = z.object({
  jobId: jobIdSchema,
  scheduleId: z.string().min(1).max(256),
  task: taskNameSchema,
  args: z.unknown(),
  attempt: z.number().int().min(1),
  scheduledAt: isoInstantSchema,
  /** Absolute deadline on the master's clock; informational. */
  deadline: isoInstantSchema,
  /** Time left at dispatch: the worker arms its own timer from receipt, immune to clock skew. */
  timeoutMs: z.number().int().min(0),
  /** Equal to the job id: a function with side effects can use it to do them at most once. */
  idempotencyKey: z.string().min(1).max(256),
});

export const cancelBodySchema = z.object({
  jobId: jobIdSchema,
  reason: z.string().min(1).max(64),
});

export const masterDrainBodySchema = z.object({
  reason: z.string().max(256).default('requested by master'),
});

/**
 * Why the master refused a worker's message, answered with an `error` frame instead of silence:
 * - `identity_mismatch`: the DEALER's routing id is not a handler id, or a `register` names a
 *   handler other than the routing id (set the socket's routing id to the handler id before connecting).
 * - `not_registered`: a `result` from a routing id the master has no registration for (register first).
 */
export const LINK_ERROR_CODES = ['identity_mismatch', 'not_registered'] as const;
export type LinkErrorCode = (typeof LINK_ERROR_CODES)[number];

export const linkErrorBodySchema = z.object({
  /** One of LINK_ERROR_CODES; a worker treats a code it does not know as a refusal of `refused`. */
  code: z.string().min(1).max(64),
  message: z.string().max(1024),
  /** The type of the message refused, e.g. `register`. */
  refused: z.string().min(1).max(32),
});

const workerBodies = {
  register: registerBodySchema,
  heartbeat: heartbeatBodySchema,
  result: resultBodySchema,
  drain: workerDrainBodySchema,
} as const;

const masterBodies = {
  registered: registeredBodySchema,
  heartbeat_ack: heartbeatAckBodySchema,
  execute: executeBodySchema,
  cancel: cancelBodySchema,
  drain: masterDrainBodySchema,
  error: linkErrorBodySchema,
} as const;

type Bodies = Record<string, z.ZodType<object>>;
type MessageOf<B extends Bodies> = { [K in keyof B & string]: { type: K } & z.infer<B[K]> }[keyof B & string];

/** Sent by a worker (DEALER) to the master (ROUTER). */
export type WorkerMessage = MessageOf<typeof workerBodies>;
/** Sent by the master to a worker. */
export type MasterMessage = MessageOf<typeof masterBodies>;
export type WorkerMessageType = WorkerMessage['type'];
export type MasterMessageType = MasterMessage['type'];
export type RegisterBody = z.infer<typeof registerBodySchema>;
export type HeartbeatBody = z.infer<typeof heartbeatBodySchema>;
export type ResultBody = z.infer<typeof resultBodySchema>;
export type ExecuteBody = z.infer<typeof executeBodySchema>;
export type RegisteredBody = z.infer<typeof registeredBodySchema>;
export type LinkErrorBody = z.infer<typeof linkErrorBodySchema>;

export const LINK_DROP_REASONS = [
  'truncated',
  'malformed',
  'oversized',
  'unknown_version',
  'unknown_type',
  'invalid',
] as const;
export type LinkDropReason = (typeof LINK_DROP_REASONS)[number];

export type LinkDecoded<M> = { ok: true; message: M } | { ok: false; reason: LinkDropReason; detail: string };
export type LinkEncoded =
  | { ok: true; frames: [Uint8Array, Uint8Array, Uint8Array] }
  | { ok: false; reason: 'oversized' | 'malformed'; detail: string };

export interface LinkCodecOptions {
  /** Largest accepted body frame in bytes. */
  maxBodyBytes?: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });
const VERSION_FRAME = encoder.encode(String(LINK_VERSION));

function encodeMessage(message: { type: string }, options: LinkCodecOptions): LinkEncoded {
  const { type, ...body } = message;
  let json: string;
  try {
    json = JSON.stringify(body);
  } catch (error) {
    // Circular structures and BigInt reach here, from a handler's return value.
    return { ok: false, reason: 'malformed', detail: `body is not JSON: ${(error as Error).message}` };
  }
  const bytes = encoder.encode(json);
  const max = options.maxBodyBytes ?? DEFAULT_LINK_MAX_BODY_BYTES;
  if (bytes.byteLength > max) {
    return {
      ok: false,
      reason: 'oversized',
      detail: `${type} body is ${bytes.byteLength} bytes, the limit is ${max}`,
    };
  }
  return { ok: true, frames: [VERSION_FRAME, encoder.encode(type), bytes] };
}

function decodeMessage<B extends Bodies>(
  frames: readonly Uint8Array[],
  bodies: B,
  options: LinkCodecOptions,
): LinkDecoded<MessageOf<B>> {
  const max = options.maxBodyBytes ?? DEFAULT_LINK_MAX_BODY_BYTES;
  const [versionFrame, typeFrame, bodyFrame] = frames;
  if (frames.length > 3)
    return { ok: false, reason: 'malformed', detail: `${frames.length} frames, expected 3` };
  if (frames.some((frame, index) => frame.byteLength > (index === 2 ? max : MAX_HEADER_FRAME_BYTES))) {
    return { ok: false, reason: 'oversized', detail: `a frame exceeds its limit (body ${max} bytes)` };
  }
  if (
    !versionFrame ||
    !typeFrame ||
    !bodyFrame ||
    versionFrame.byteLength === 0 ||
    typeFrame.byteLength === 0
  ) {
    return { ok: false, reason: 'truncated', detail: `${frames.length} frames, expected 3` };
  }
  const versionText = latin1(versionFrame);
  if (!/^\d{1,5}$/.test(versionText))
    return { ok: false, reason: 'malformed', detail: 'version frame is not a number' };
  const version = Number(versionText);
  if (!SUPPORTED_LINK_VERSIONS.includes(version)) {
    return {
      ok: false,
      reason: 'unknown_version',
      detail: `version ${version}, supported ${SUPPORTED_LINK_VERSIONS.join(', ')}`,
    };
  }
  const type = latin1(typeFrame);
  const schema = Object.hasOwn(bodies, type) ? bodies[type] : undefined;
  if (!schema)
    return { ok: false, reason: 'unknown_type', detail: `type ${JSON.stringify(type.slice(0, 32))}` };
  let raw: unknown;
  try {
    raw = JSON.parse(decoder.decode(bodyFrame));
  } catch {
    return { ok: false, reason: 'malformed', detail: `${type} body is not UTF-8 JSON` };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, reason: 'malformed', detail: `${type} body is not a JSON object` };
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 5)
      .map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`);
    return { ok: false, reason: 'invalid', detail: `${type}: ${issues.join('; ')}` };
  }
  return { ok: true, message: { ...parsed.data, type } as MessageOf<B> };
}

function latin1(bytes: Uint8Array): string {
  return String.fromCharCode(...bytes);
}

export function encodeWorkerMessage(message: WorkerMessage, options: LinkCodecOptions = {}): LinkEncoded {
  return encodeMessage(message, options);
}

export function encodeMasterMessage(message: MasterMessage, options: LinkCodecOptions = {}): LinkEncoded {
  return encodeMessage(message, options);
}

/** Frames a master received from a worker, routing id already removed. */
export function decodeWorkerMessage(
  frames: readonly Uint8Array[],
  options: LinkCodecOptions = {},
): LinkDecoded<WorkerMessage> {
  return decodeMessage(frames, workerBodies, options);
}

/** Frames a worker received from the master. */
export function decodeMasterMessage(
  frames: readonly Uint8Array[],
  options: LinkCodecOptions = {},
): LinkDecoded<MasterMessage> {
  return decodeMessage(frames, masterBodies, options);
}
