import type { AddressInfo } from 'node:net';
import { masterDataVersion } from '@schedulezero/http-api';
import { createScheduleBodySchema, replicationTopic } from '@schedulezero/protocol';
import { createPublisher, type Publisher } from '@schedulezero/replication';
import {
  type ChangeProjector,
  createScheduler,
  type Executor,
  type MasterStore,
  openStore,
  type ScheduleDraft,
} from '@schedulezero/scheduler-core';
import { nowMs, roleParams, serveRole } from '../lib/role.ts';
import { serveApi } from '../lib/sz-http.ts';

/**
 * The master side of the replication workload: a store whose projector writes every change whole
 * to one zone, and that zone's publisher (PUB + catch-up ROUTER on 127.0.0.1, ports picked by the
 * OS). Changes are schedules created through `createSchedules`, one change each. `serveApi` adds
 * the master's HTTP API over the same store (its loop not started: the API workload reads only).
 */
interface Params {
  storeUrl: string;
  zone: string;
}

const params = roleParams<Params>();
const projector: ChangeProjector = (change) => {
  const entity =
    change.kind === 'schedule' ? change.schedule : change.kind === 'job' ? change.job : change.handler;
  return [{ zone: params.zone, topic: replicationTopic(change.kind, change.op), payload: entity }];
};

let store: MasterStore | undefined;
let publisher: Publisher | undefined;
let server: Awaited<ReturnType<typeof serveApi>> | undefined;
const noExecutor: Executor = {
  run: async () => ({ status: 'succeeded', result: null }),
  capacity: () => new Map(),
};
const spec = createScheduleBodySchema.parse({
  task: 'noop',
  trigger: { type: 'interval', seconds: 3600 },
  args: { n: 1 },
});
const never = new Date(Date.UTC(2100, 0, 1));
let nextId = 0;
const yieldToSockets = () => new Promise((resolve) => setImmediate(resolve));

async function write(s: MasterStore, n: number): Promise<void> {
  const drafts: ScheduleDraft[] = Array.from({ length: n }, () => ({
    ...spec,
    id: `r${nextId++}`,
    nextRunAt: never,
  }));
  const created = await s.createSchedules(drafts, new Date());
  if (!created.ok) throw new Error(`createSchedules: ${created.reason}`);
}

serveRole(
  async () => {
    const s = await openStore(params.storeUrl, { projector, onCommit: () => publisher?.notify() });
    store = s;
    const p = createPublisher({
      store: s,
      zones: [{ name: params.zone, publish: 'tcp://127.0.0.1:*', sync: 'tcp://127.0.0.1:*' }],
    });
    await p.start();
    publisher = p;
    const head = async () => (await s.changeHead(params.zone)).seq;
    return {
      endpoints: async () => {
        const zone = p.stats().zones[0];
        if (!zone) throw new Error('no zone');
        return { publish: zone.publishEndpoint, sync: zone.syncEndpoint, head: await head() };
      },
      /** `n` changes as fast as the store takes them, `batch` per transaction. */
      fill: async (data: unknown) => {
        const { n, batch } = data as { n: number; batch: number };
        const startedAt = nowMs();
        for (let done = 0; done < n; done += batch) {
          await write(s, Math.min(batch, n - done));
          await yieldToSockets();
        }
        return { startedAt, endedAt: nowMs(), head: await head() };
      },
      /**
       * `rate` changes/s for `durationMs`: every few ms the changes due so far, in one transaction.
       * Returns `[last seq, commit time]` per transaction (its seqs follow the previous one's).
       */
      steady: async (data: unknown) => {
        const { rate, durationMs } = data as { rate: number; durationMs: number };
        let seq = await head();
        const commits: Array<[number, number]> = [[seq, nowMs()]];
        const startedAt = nowMs();
        let written = 0;
        for (;;) {
          const elapsed = nowMs() - startedAt;
          if (elapsed >= durationMs) break;
          const due = Math.floor((rate * elapsed) / 1000) - written;
          if (due > 0) {
            await write(s, due);
            written += due;
            seq += due;
            commits.push([seq, nowMs()]);
          }
          await new Promise((resolve) => setTimeout(resolve, 2));
        }
        if ((await head()) !== seq) throw new Error('another writer moved the change log');
        return { commits, written, ms: nowMs() - startedAt };
      },
      /** The master's HTTP API on a free port of 127.0.0.1; returns the port. */
      serveApi: async () => {
        // Writes after this point go through `s` unseen by the version: the API workload only reads.
        const versioned = masterDataVersion(s);
        server ??= await serveApi(
          createScheduler({ store: versioned.store, executor: noExecutor, nodeId: 'bench-master' }),
          0,
          versioned.version,
        );
        return (server.address() as AddressInfo).port;
      },
      /** Bytes of the last change's stream frames: topic + 58-byte header + payload JSON. */
      frameBytes: async () => {
        const [row] = await s.readChanges(params.zone, await head(), 1);
        if (!row) throw new Error('empty change log');
        return Buffer.byteLength(row.topic) + 58 + Buffer.byteLength(JSON.stringify(row.payload));
      },
    };
  },
  async () => {
    server?.close();
    await publisher?.close();
    await store?.close();
  },
);
