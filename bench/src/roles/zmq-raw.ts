import { replicationTopic } from '@schedulezero/protocol';
import { Publisher, Subscriber } from 'zeromq';
import { nowMs, roleParams, serveRole } from '../lib/role.ts';

/**
 * The ceiling of the replication workload: raw zeromq PUB → SUB of frames shaped like the
 * replication stream's ([topic, 58-byte header, payload]), between two processes on 127.0.0.1.
 */
interface Params {
  mode: 'pub' | 'sub';
  endpoint?: string;
}

const params = roleParams<Params>();
const HWM = 100_000;
const TOPIC = replicationTopic('schedule', 'created');
let pub: Publisher | undefined;
let sub: Subscriber | undefined;
let warmTimer: NodeJS.Timeout | undefined;

serveRole(
  async (): Promise<Record<string, (data: unknown) => unknown>> => {
    if (params.mode === 'pub') {
      const socket = new Publisher({ sendHighWaterMark: HWM });
      pub = socket;
      await socket.bind('tcp://127.0.0.1:*');
      return {
        endpoint: () => socket.lastEndpoint,
        /** Sends a small frame every 20 ms until `warmStop`, so the SUB is known to be connected. */
        warmStart: () => {
          warmTimer = setInterval(() => void socket.send(['warm', '', '']).catch(() => {}), 20);
          return null;
        },
        warmStop: () => {
          clearInterval(warmTimer);
          return null;
        },
        send: async (data: unknown) => {
          const { n, bytes } = data as { n: number; bytes: number };
          const header = Buffer.alloc(58);
          const payload = Buffer.alloc(Math.max(1, bytes - 58 - TOPIC.length), 0x61);
          const startedAt = nowMs();
          for (let i = 0; i < n; i++) {
            header.writeBigUInt64BE(BigInt(i), 18);
            await socket.send([TOPIC, header, payload]);
          }
          return { startedAt, endedAt: nowMs() };
        },
      };
    }
    const socket = new Subscriber({ receiveHighWaterMark: HWM });
    sub = socket;
    socket.connect(params.endpoint ?? '');
    socket.subscribe();
    let warm = false;
    let count = 0;
    let firstAt = 0;
    let lastAt = 0;
    void (async () => {
      for await (const [topic] of socket) {
        if (topic?.toString() === 'warm') {
          warm = true;
          continue;
        }
        lastAt = nowMs();
        if (count === 0) firstAt = lastAt;
        count += 1;
      }
    })().catch(() => {});
    const until = async (done: () => boolean, timeoutMs: number) => {
      const deadline = Date.now() + timeoutMs;
      while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    };
    return {
      waitWarm: async () => {
        await until(() => warm, 10_000);
        if (!warm) throw new Error('no frame from the PUB');
        return null;
      },
      /** Waits for `n` frames, or 1 s without one; the count and the first and last arrival times. */
      result: async (data: unknown) => {
        const { n, timeoutMs } = data as { n: number; timeoutMs: number };
        await until(() => count >= n || (count > 0 && nowMs() - lastAt > 1_000), timeoutMs);
        return { count, firstAt, lastAt };
      },
    };
  },
  async () => {
    clearInterval(warmTimer);
    pub?.close();
    sub?.close();
  },
);
