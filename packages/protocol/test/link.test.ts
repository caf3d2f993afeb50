import { describe, expect, it } from 'vitest';
import {
  decodeMasterMessage,
  decodeWorkerMessage,
  encodeMasterMessage,
  encodeWorkerMessage,
  LINK_VERSION,
  type MasterMessage,
  type WorkerMessage,
} from '../src/link.ts';

const text = (value: string) => new TextEncoder().encode(value);

const register: WorkerMessage = {
  type: 'register',
  handlerId: 'worker-1',
  methods: ['send_email', 'resize'],
  zone: 'eu',
  tags: ['gpu'],
  capacity: 4,
  running: [],
};

const execute: MasterMessage = {
  type: 'execute',
  jobId: 'job-1',
  scheduleId: 'nightly',
  task: 'send_email',
  args: { to: 'a@example.com' },
  attempt: 1,
  scheduledAt: '2026-01-01T00:00:00.000Z',
  deadline: '2026-01-01T00:05:00.000Z',
  timeoutMs: 300_000,
  idempotencyKey: 'job-1',
};

function frames(version: string, type: string, body: string): Uint8Array[] {
  return [text(version), text(type), text(body)];
}

describe('link codec', () => {
  it('round-trips every message type in both directions', () => {
    const worker: WorkerMessage[] = [
      register,
      { type: 'heartbeat', seq: 3, activeJobs: 1, running: ['job-1'], draining: false },
      { type: 'result', jobId: 'job-1', attempt: 1, durationMs: 12, status: 'ok', result: { sent: true } },
      {
        type: 'result',
        jobId: 'job-1',
        attempt: 2,
        durationMs: 5,
        status: 'error',
        error: { code: 'handler_error', message: 'boom' },
      },
      {
        type: 'result',
        jobId: 'job-1',
        attempt: 2,
        durationMs: 0,
        status: 'rejected',
        error: { code: 'draining', message: 'x' },
      },
      { type: 'drain', phase: 'started' },
    ];
    for (const message of worker) {
      const encoded = encodeWorkerMessage(message);
      if (!encoded.ok) throw new Error(encoded.detail);
      expect(decodeWorkerMessage(encoded.frames)).toEqual({ ok: true, message });
    }
    const master: MasterMessage[] = [
      execute,
      {
        type: 'registered',
        handlerId: 'worker-1',
        heartbeatIntervalMs: 5000,
        missedHeartbeats: 3,
        masterId: 'abc',
      },
      { type: 'heartbeat_ack', seq: 3, known: true },
      { type: 'cancel', jobId: 'job-1', reason: 'timeout' },
      { type: 'drain', reason: 'maintenance' },
    ];
    for (const message of master) {
      const encoded = encodeMasterMessage(message);
      if (!encoded.ok) throw new Error(encoded.detail);
      expect(decodeMasterMessage(encoded.frames)).toEqual({ ok: true, message });
    }
  });

  it('writes the version, the type and a JSON body without the type', () => {
    const encoded = encodeWorkerMessage({ type: 'drain', phase: 'done' });
    if (!encoded.ok) throw new Error(encoded.detail);
    const decoded = encoded.frames.map((frame) => new TextDecoder().decode(frame));
    expect(decoded).toEqual([String(LINK_VERSION), 'drain', '{"phase":"done"}']);
  });

  it('fills defaults and ignores unknown body fields (additive changes within a version)', () => {
    const result = decodeWorkerMessage(
      frames(
        '1',
        'register',
        JSON.stringify({ handlerId: 'w', methods: ['a'], zone: 'z', capacity: 1, future: 1 }),
      ),
    );
    expect(result).toEqual({
      ok: true,
      message: {
        type: 'register',
        handlerId: 'w',
        methods: ['a'],
        zone: 'z',
        capacity: 1,
        tags: [],
        running: [],
      },
    });
  });

  it.each([
    ['no frames', [], 'truncated'],
    ['one frame', [text('1')], 'truncated'],
    ['two frames', [text('1'), text('heartbeat')], 'truncated'],
    ['empty version', frames('', 'heartbeat', '{}'), 'truncated'],
    ['four frames', [...frames('1', 'heartbeat', '{}'), text('x')], 'malformed'],
    ['non-numeric version', frames('v1', 'heartbeat', '{}'), 'malformed'],
    ['unknown version', frames('99', 'heartbeat', '{"seq":1,"activeJobs":0}'), 'unknown_version'],
    ['unknown type', frames('1', 'explode', '{}'), 'unknown_type'],
    ['prototype key as type', frames('1', '__proto__', '{}'), 'unknown_type'],
    ['master-only type from a worker', frames('1', 'execute', JSON.stringify(execute)), 'unknown_type'],
    ['non-JSON body', frames('1', 'heartbeat', '{"seq":'), 'malformed'],
    ['JSON array body', frames('1', 'heartbeat', '[]'), 'malformed'],
    ['invalid UTF-8', [text('1'), text('heartbeat'), new Uint8Array([0xff, 0xfe, 0x7b])], 'malformed'],
    ['schema violation', frames('1', 'heartbeat', '{"seq":-1,"activeJobs":0}'), 'invalid'],
    [
      'bad handler id',
      frames('1', 'register', JSON.stringify({ ...register, handlerId: '../x' })),
      'invalid',
    ],
    ['long type frame', frames('1', 'x'.repeat(100), '{}'), 'oversized'],
  ] as const)('drops %s as %s', (_name, input, reason) => {
    const result = decodeWorkerMessage(input);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.reason).toBe(reason);
      expect(result.detail).toBeTypeOf('string');
    }
  });

  it('refuses oversized bodies on both ends', () => {
    const big = { ...execute, args: { blob: 'x'.repeat(2000) } };
    const encoded = encodeMasterMessage(big, { maxBodyBytes: 1000 });
    expect(encoded).toMatchObject({ ok: false, reason: 'oversized' });
    const raw = encodeMasterMessage(big);
    if (!raw.ok) throw new Error(raw.detail);
    expect(decodeMasterMessage(raw.frames, { maxBodyBytes: 1000 })).toMatchObject({
      ok: false,
      reason: 'oversized',
    });
  });

  it('returns an error value for a body that is not JSON-serialisable', () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    const result = encodeWorkerMessage({
      type: 'result',
      jobId: 'j',
      attempt: 1,
      durationMs: 1,
      status: 'ok',
      result: circular,
    });
    expect(result).toMatchObject({ ok: false, reason: 'malformed' });
    expect(
      encodeWorkerMessage({
        type: 'result',
        jobId: 'j',
        attempt: 1,
        durationMs: 1,
        status: 'ok',
        result: 1n,
      }),
    ).toMatchObject({
      ok: false,
      reason: 'malformed',
    });
  });

  it('never throws on random bytes', () => {
    let seed = 42;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let i = 0; i < 500; i += 1) {
      const count = Math.floor(random() * 5);
      const input = Array.from({ length: count }, () =>
        Uint8Array.from({ length: Math.floor(random() * 40) }, () => Math.floor(random() * 256)),
      );
      expect(decodeWorkerMessage(input).ok).toBe(false);
      expect(decodeMasterMessage(input).ok).toBe(false);
    }
  });
});
