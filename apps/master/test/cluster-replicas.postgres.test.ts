import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { postgresGate } from '@schedulezero/scheduler-core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitFor, YEARLY } from './support/http.ts';
import { type ClusterMaster, createTestCluster, type TestCluster } from './support/master-cluster.ts';
import { killLeftovers, type MasterProcess, startMasterProcess } from './support/master-process.ts';

/**
 * A replica process following a cluster of two real masters on the real PostgreSQL: the master it
 * follows is killed with -9, and it moves to the other one and resumes from its appliedSeq.
 */

const gate = await postgresGate('PostgreSQL replica-of-a-cluster tests');
const REPLICA_BIN = fileURLToPath(new URL('../../replica/bin/schedulezero-replica.js', import.meta.url));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

interface Endpoints {
  publish: string;
  sync: string;
}

async function zoneEndpoints(): Promise<Endpoints> {
  return {
    publish: `tcp://127.0.0.1:${await freePort()}`,
    sync: `tcp://127.0.0.1:${await freePort()}`,
  };
}

/** A master's zone `admin` (everything, whole) on plaintext endpoints, with a quick heartbeat. */
const masterSections = (zone: Endpoints) => ({
  security: '{ allowPlaintext: true }',
  replication: `{ heartbeatMs: 200, zones: { admin: { publish: "${zone.publish}", sync: "${zone.sync}", policy: admin } } }`,
});

describe.skipIf(gate.skip)('a replica of a cluster of masters on PostgreSQL', () => {
  let cluster: TestCluster;
  let dir: string;

  beforeEach(async () => {
    gate.assertReachable();
    cluster = await createTestCluster();
    dir = mkdtempSync(join(tmpdir(), 'sz-cluster-replica-'));
  });
  afterEach(async () => {
    const leaked = await killLeftovers();
    await cluster.close();
    rmSync(dir, { recursive: true, force: true });
    expect(leaked, 'processes left running by the test').toBe(0);
  });

  async function startReplica(masters: Endpoints[]): Promise<{ process: MasterProcess; url: string }> {
    writeFileSync(
      join(dir, 'replica.yaml'),
      [
        'node: { type: replica, name: replica-1, zone: admin, shutdownGraceSeconds: 1 }',
        'network: { port: 0 }',
        'database: { url: "sqlite:./replica.db" }',
        `replication: { masters: ${JSON.stringify(masters)} }`,
        'security: { allowPlaintext: true }',
      ].join('\n'),
    );
    const process = startMasterProcess({ script: REPLICA_BIN, args: ['--config', 'replica.yaml'], cwd: dir });
    return { process, url: await process.listening(30_000) };
  }

  const get = async (url: string) => (await (await fetch(url)).json()) as Record<string, unknown>;
  const schedulesOf = async (master: ClusterMaster) => {
    const response = await cluster.api(master, 'GET', '/api/schedules?limit=500');
    expect(response.status).toBe(200);
    return response.body.schedules as unknown[];
  };
  /** Waits until the replica serves exactly the master's schedules, field by field. */
  const converged = (replicaUrl: string, master: ClusterMaster, count: number) =>
    waitFor(
      async () => {
        const [expected, actual] = await Promise.all([
          schedulesOf(master),
          get(`${replicaUrl}/api/schedules?limit=500`).then((body) => body.schedules as unknown[]),
        ]);
        return expected.length === count && JSON.stringify(actual) === JSON.stringify(expected)
          ? actual
          : undefined;
      },
      `the replica to serve the ${count} schedules of ${master.name}`,
      30_000,
    );
  const create = async (via: ClusterMaster, ids: string[]) => {
    for (const id of ids) {
      const created = await cluster.api(via, 'POST', '/api/schedules', {
        id,
        task: 'sleep',
        trigger: YEARLY,
      });
      expect(created.status).toBe(201);
    }
  };

  it('moves to the other master after a kill -9, resumes from its appliedSeq without a snapshot', async () => {
    const [zoneA, zoneB] = [await zoneEndpoints(), await zoneEndpoints()];
    const a = await cluster.start('master-a', masterSections(zoneA));
    const b = await cluster.start('master-b', masterSections(zoneB));
    const replica = await startReplica([zoneA, zoneB]);

    await create(a, ['s1', 's2', 's3', 's4']);
    await converged(replica.url, a, 4);
    expect(await get(`${replica.url}/api/replication`)).toMatchObject({
      role: 'replica',
      master: zoneA,
      masterSwitches: 0,
      snapshots: 1,
    });

    expect(await a.process.stop('SIGKILL')).toBe(137);
    await create(b, ['s5', 's6', 's7']);
    const served = await converged(replica.url, b, 7);
    expect(served).toEqual(await schedulesOf(b));

    const status = await waitFor(async () => {
      const current = await get(`${replica.url}/api/replication`);
      return current.state === 'live' && current.lagChanges === 0 ? current : undefined;
    }, 'the replica to be live and caught up');
    expect(status).toMatchObject({ master: zoneB, masterSwitches: 1, snapshots: 1, restarts: 0 });
    // Each change applied once: the rows applied since the snapshot are exactly the seqs after it.
    const loaded = replica.process.logs.filter((line) => line.msg === 'snapshot loaded');
    expect(loaded).toHaveLength(1);
    expect(status.appliedRows).toBe(Number(status.appliedSeq) - Number(loaded[0]?.seq));
    expect(replica.process.logs.filter((line) => line.msg === 'switched master')).toEqual([
      expect.objectContaining({ from: zoneA, to: zoneB }),
    ]);
    const metrics = await (await fetch(`${replica.url}/metrics`)).text();
    expect(metrics).toMatch(/^schedulezero_replica_master_switches_total\{zone="admin"\} 1$/m);

    expect(await replica.process.stop('SIGTERM')).toBe(0);
    expect(await b.process.stop('SIGTERM')).toBe(0);
  }, 90_000);
});
