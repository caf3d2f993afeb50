import { createSubscriber, type Subscriber } from '@schedulezero/replication';
import { openReplicaStore, type ReplicaStore } from '@schedulezero/scheduler-core';
import { nowMs, roleParams, serveRole } from '../lib/role.ts';

/**
 * The replica side of the replication workload: its own store and a subscriber to one zone of the
 * master. Records when each seq was applied (while recording) and waits for positions.
 */
interface Params {
  storeUrl: string;
  zone: string;
  publish: string;
  sync: string;
}

const params = roleParams<Params>();
let store: ReplicaStore | undefined;
let subscriber: Subscriber | undefined;
let recording = false;
let applied: Array<[number, number]> = [];

serveRole(
  async () => {
    const s = await openReplicaStore(params.storeUrl);
    store = s;
    const start = async () => {
      const sub = createSubscriber({
        store: s,
        zone: params.zone,
        publish: params.publish,
        sync: params.sync,
      });
      sub.on('applied', (event) => {
        if (recording && event.seqs.length > 0) {
          const at = nowMs();
          for (const seq of event.seqs) applied.push([seq, at]);
        }
      });
      subscriber = sub;
      await sub.start();
      return sub;
    };
    const waitSeq = async (sub: Subscriber, seq: number, timeoutMs: number) => {
      const status = await sub.waitFor((st) => st.appliedSeq >= seq, timeoutMs);
      return { at: nowMs(), status };
    };
    return {
      /** Starts the subscriber and waits until it has applied `seq` (a live replica). */
      start: async (data: unknown) => {
        const { seq, timeoutMs } = data as { seq: number; timeoutMs: number };
        return waitSeq(await start(), seq, timeoutMs);
      },
      /** Starts the subscriber on the stored state and times the catch-up to `seq`. */
      catchUp: async (data: unknown) => {
        const { seq, timeoutMs } = data as { seq: number; timeoutMs: number };
        const startedAt = nowMs();
        const reached = await waitSeq(await start(), seq, timeoutMs);
        return { ms: reached.at - startedAt, status: reached.status };
      },
      record: (on: unknown) => {
        recording = on === true;
        applied = [];
        return null;
      },
      /** `[seq, applied at]` recorded so far. */
      applied: () => applied,
      waitSeq: async (data: unknown) => {
        const { seq, timeoutMs } = data as { seq: number; timeoutMs: number };
        if (!subscriber) throw new Error('not started');
        return waitSeq(subscriber, seq, timeoutMs);
      },
    };
  },
  async () => {
    await subscriber?.close();
    await store?.close();
  },
);
