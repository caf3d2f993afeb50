import { createLogger } from '@schedulezero/node-runtime';
import { type RunningReplica, replicaConfigSchema, startReplica } from '@schedulezero/replica';
import { roleParams, serveRole } from '../lib/role.ts';

/**
 * A replica node as apps/replica runs it (its own store, the zone subscriber, the read-only HTTP
 * API on 127.0.0.1, auth and the per-address limit off), following one zone of a `repl-master`.
 */
interface Params {
  storeUrl: string;
  zone: string;
  publish: string;
  sync: string;
}

const params = roleParams<Params>();
const silent = createLogger({ level: 'silent', pretty: false });
let replica: RunningReplica | undefined;

serveRole(
  async () => {
    const config = replicaConfigSchema.parse({
      node: { name: 'bench-replica', zone: params.zone },
      network: { bindAddress: '127.0.0.1', port: 0 },
      database: { url: params.storeUrl },
      // The load comes from one address: the per-address limit would refuse most of it.
      api: { rateLimit: { perSecond: 0 } },
      replication: { master: { publish: params.publish, sync: params.sync } },
      security: { allowPlaintext: true },
    });
    const started = await startReplica({ config, logger: silent, version: 'bench' });
    if (!started.ok) throw new Error(started.problems.join('; '));
    const running = started.replica;
    replica = running;
    return {
      /** Waits until the replica has applied `seq`; its HTTP port. */
      caughtUp: async (data: unknown) => {
        const { seq, timeoutMs } = data as { seq: number; timeoutMs: number };
        const deadline = Date.now() + timeoutMs;
        while (running.status().appliedSeq < seq) {
          if (Date.now() > deadline) throw new Error(`replica at ${running.status().appliedSeq} of ${seq}`);
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        return running.port;
      },
    };
  },
  async () => {
    await replica?.stop();
  },
);
