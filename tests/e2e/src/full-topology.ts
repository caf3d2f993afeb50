import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keyPair } from './curve-keys.ts';
import { freePort } from './free-port.ts';
import { type ApiClient, apiClient } from './http-client.ts';
import { killLeftovers, type NodeProcess, startNode, writeYaml } from './node-process.ts';
import { FIXTURES, TOKEN, waitUntil } from './replica-topology.ts';

/**
 * Everything a node can show, for checks by outside tools (promtool, axe-core): a master with local
 * handlers and a CURVE handler link, a worker registered on it, an admin-zone replica over CURVE,
 * and schedules whose jobs succeeded and failed on both kinds of handler, replicated.
 */

export interface FullTopology {
  master: { url: string; api: ApiClient };
  replica: { url: string; api: ApiClient };
  /** A schedule and jobs that exist on both nodes (the replica has caught up with them). */
  scheduleId: string;
  succeededJobId: string;
  failedJobId: string;
  stop(): Promise<{ codes: number[]; leaked: number }>;
}

export async function startFullTopology(): Promise<FullTopology> {
  const dir = mkdtempSync(join(tmpdir(), 'sz-e2e-full-'));
  const nodes: NodeProcess[] = [];
  const stop = async () => {
    const codes: number[] = [];
    for (const node of nodes.reverse()) codes.push(await node.stop('SIGTERM'));
    const leaked = await killLeftovers();
    rmSync(dir, { recursive: true, force: true });
    return { codes, leaked };
  };
  try {
    const link = keyPair();
    const zone = keyPair();
    const worker = keyPair();
    const replicaKeys = keyPair();
    const linkEndpoint = `tcp://127.0.0.1:${await freePort()}`;
    const zoneEndpoints = {
      publish: `tcp://127.0.0.1:${await freePort()}`,
      sync: `tcp://127.0.0.1:${await freePort()}`,
    };
    const masterConfig = writeYaml(dir, 'master', {
      node: { type: 'master', name: 'full-master', shutdownGraceSeconds: 2 },
      network: { port: 0 },
      database: { url: `sqlite:${join(dir, 'master.db')}` },
      api: { tokens: [TOKEN] },
      handlers: {
        bind: linkEndpoint,
        secretKey: link.secretKey,
        clientKeys: [worker.publicKey],
        modules: [FIXTURES],
      },
      replication: {
        heartbeatMs: 200,
        zones: {
          admin: {
            ...zoneEndpoints,
            policy: 'admin',
            secretKey: zone.secretKey,
            clientKeys: [replicaKeys.publicKey],
          },
        },
      },
      logging: { level: 'info' },
    });
    const masterNode = startNode('master', 'full-master', masterConfig);
    nodes.push(masterNode);
    const masterUrl = String((await masterNode.waitForLog((line) => line.msg === 'listening', 30_000)).url);
    const masterApi = apiClient(masterUrl, TOKEN);

    const workerConfig = writeYaml(dir, 'worker', {
      node: { type: 'handler', name: 'full-worker', shutdownGraceSeconds: 2 },
      worker: { master: linkEndpoint, serverKey: link.publicKey, modules: [FIXTURES], capacity: 2 },
      security: worker,
      logging: { level: 'info' },
    });
    const workerNode = startNode('handler', 'full-worker', workerConfig);
    nodes.push(workerNode);
    await workerNode.waitForLog((line) => line.msg === 'registered with the master', 30_000);

    const replicaConfig = writeYaml(dir, 'replica', {
      node: { type: 'replica', name: 'full-replica', zone: 'admin', shutdownGraceSeconds: 2 },
      network: { port: 0 },
      // The public status page too (on by default only on a dmz replica), to audit it.
      api: { statusPage: true },
      database: { url: `sqlite:${join(dir, 'replica.db')}` },
      replication: { master: { ...zoneEndpoints, serverKey: zone.publicKey } },
      security: replicaKeys,
      logging: { level: 'info' },
    });
    const replicaNode = startNode('replica', 'full-replica', replicaConfig);
    nodes.push(replicaNode);
    const replicaUrl = String((await replicaNode.waitForLog((line) => line.msg === 'listening', 30_000)).url);
    const replicaApi = apiClient(replicaUrl, TOKEN);

    // One schedule whose runs succeed, one whose runs fail: a result box and an error box to show.
    const scheduleId = 'report-daily';
    const failingId = 'leaky-report';
    for (const [id, task, title] of [
      [scheduleId, 'whoami', 'Daily sales report'],
      [failingId, 'leak_error', 'Partner report'],
    ] as const) {
      const created = await masterApi.call('POST', '/api/schedules', {
        id,
        task,
        trigger: { type: 'cron', expression: '0 9 * * 1-5', timezone: 'Europe/Berlin' },
        args: { report: 'sales', recipients: ['ops@example.com', 'finance@example.com'] },
        metadata: { owner: 'reporting', ticket: 'OPS-1234', public: { title } },
      });
      if (created.status !== 201)
        throw new Error(`create ${id}: ${created.status} ${JSON.stringify(created.body)}`);
    }
    const runNow = async (id: string) => {
      const { status, body } = await masterApi.call('POST', `/api/schedules/${id}/run`);
      if (status !== 202) throw new Error(`run ${id}: ${status}`);
      return String(body.job.id);
    };
    const succeededJobId = await runNow(scheduleId);
    const failedJobId = await runNow(failingId);
    for (const [id, status] of [
      [succeededJobId, 'succeeded'],
      [failedJobId, 'failed'],
    ] as const) {
      await waitUntil(`job ${id} ${status} on the replica`, async () => {
        const { body } = await replicaApi.call('GET', `/api/jobs/${id}`);
        return body?.job?.status === status;
      });
    }
    return {
      master: { url: masterUrl, api: masterApi },
      replica: { url: replicaUrl, api: replicaApi },
      scheduleId,
      succeededJobId,
      failedJobId,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
