import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PG_TEST_URL, postgresGate } from '@schedulezero/scheduler-core/testing';
import postgres from 'postgres';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../src/free-port.ts';
import { killLeftovers } from '../src/node-process.ts';
import {
  allRows,
  caughtUp,
  type MasterNode,
  type ReplicaNode,
  replication,
  sqliteUrl,
  startMasterNode,
  startReplicaNode,
  waitUntil,
  type ZoneEndpoints,
  zoneEndpoints,
} from '../src/replica-topology.ts';

/**
 * Faults around a real replica process and a real master process: master restarts, a master
 * database replaced (new epoch), catch-up older than the retention with writes during the
 * snapshot, and a replica on PostgreSQL killed while it applies a catch-up (skipped with a message
 * when no PostgreSQL server answers, unless CI=true).
 */

const gate = await postgresGate('PostgreSQL replica fault test');
const PG_DATABASE = `sz_e2e_replica_${process.pid}`;

let dir: string;
let endpoints: ZoneEndpoints;
let httpPort: number;
let master: MasterNode | undefined;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sz-e2e-replica-faults-'));
  endpoints = await zoneEndpoints();
  httpPort = await freePort();
});

afterEach(async () => {
  // The master may be left running on the fixed ports (a test that passes stops it or not); the
  // next test needs them. Anything else still running leaked: killed, and a passing test fails.
  await master?.node.stop('SIGKILL');
  master = undefined;
  expect(await killLeftovers()).toBe(0);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function pgReplicaUrl(): string {
  const url = new URL(PG_TEST_URL);
  url.pathname = `/${PG_DATABASE}`;
  return url.toString();
}

async function startMaster(retention?: { changes: number }): Promise<MasterNode> {
  master = await startMasterNode(dir, 'master', {
    database: sqliteUrl(dir, 'master'),
    zone: 'admin',
    endpoints,
    port: httpPort,
    ...(retention ? { retention } : {}),
  });
  return master;
}

async function stopMaster(): Promise<void> {
  expect(await master?.node.stop('SIGTERM')).toBe(0);
  master = undefined;
}

async function write(prefix: string, count: number, concurrency = 8): Promise<void> {
  const api = (master as MasterNode).api;
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      const id = `${prefix}-${index}`;
      const created = await api.call('POST', '/api/schedules', {
        id,
        task: 'whoami',
        trigger: { type: 'interval', seconds: 3600 },
        args: { index },
      });
      if (created.status !== 201) throw new Error(`create ${id}: ${created.status}`);
      // Every third one changes again: updates, not only inserts, cross the stream.
      if (index % 3 === 0) await api.call('PATCH', `/api/schedules/${id}`, { paused: true });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

async function masterHead(): Promise<{ seq: number; epoch: string }> {
  const status = await replication((master as MasterNode).api);
  const zone = status.zones.find((entry: { zone: string }) => entry.zone === 'admin');
  return { seq: zone.publishedSeq, epoch: zone.epoch };
}

async function converged(replica: ReplicaNode, what: string) {
  const head = await masterHead();
  const status = await waitUntil(what, caughtUp(replica.api, head.seq, head.epoch), 45_000);
  expect(await allRows(replica.api)).toEqual(await allRows((master as MasterNode).api));
  return status;
}

function startReplica(name: string, database: string): Promise<ReplicaNode> {
  return startReplicaNode(dir, name, { database, zone: 'admin', endpoints });
}

describe('replica under faults', () => {
  it('resumes after a master restart, snapshots after retention and after a new master database', async () => {
    await startMaster();
    await write('before', 60);
    let replica = await startReplica('replica', sqliteUrl(dir, 'replica'));
    const first = await converged(replica, 'first convergence');
    expect(first.snapshots).toBe(1);

    // Master restart: the replica notices the silence, then resumes where it was (no snapshot).
    await stopMaster();
    await waitUntil(
      'the replica sees the master gone',
      async () => !(await replication(replica.api)).connected,
      15_000,
    );
    expect((await replica.api.call('GET', '/readyz')).status).toBe(503);
    expect((await replica.api.call('GET', '/api/schedules/before-1')).status).toBe(200);
    await startMaster({ changes: 20 });
    await write('after-restart', 30);
    const resumed = await converged(replica, 'resumed after the master restart');
    expect(resumed.snapshots).toBe(1);
    expect(resumed.epoch).toBe(first.epoch);

    // Catch-up older than the retention: the replica is away while 150 changes are written, and
    // the master prunes at start; the replica snapshots, while writes continue during it.
    expect(await replica.node.stop('SIGTERM')).toBe(0);
    await write('while-away', 100);
    await stopMaster();
    await startMaster({ changes: 20 });
    const during = write('during-snapshot', 120, 4);
    replica = await startReplica('replica', sqliteUrl(dir, 'replica'));
    await during;
    const afterRetention = await converged(replica, 'converged after a snapshot');
    // Counters are per process: this one's first sync was the snapshot the retention forced.
    expect(afterRetention.snapshots).toBe(1);
    expect(afterRetention.epoch).toBe(first.epoch);

    // A master database replaced: new epoch, the replica drops what it had and snapshots again.
    await stopMaster();
    for (const suffix of ['', '-wal', '-shm']) rmSync(join(dir, `master.db${suffix}`), { force: true });
    await startMaster();
    await write('new-epoch', 25);
    const fresh = await converged(replica, 'converged on the new epoch');
    expect(fresh.epoch).not.toBe(first.epoch);
    expect(fresh.snapshots).toBeGreaterThan(afterRetention.snapshots);
    expect((await replica.api.call('GET', '/api/schedules/before-1')).status).toBe(404);
    expect(await replica.node.stop('SIGTERM')).toBe(0);
  }, 150_000);

  describe.skipIf(gate.skip)('on PostgreSQL', () => {
    let admin: postgres.Sql | undefined;
    beforeAll(async () => {
      gate.assertReachable();
      admin = postgres(PG_TEST_URL, { max: 1, onnotice: () => {} });
      await admin`drop database if exists ${admin(PG_DATABASE)} with (force)`;
      await admin`create database ${admin(PG_DATABASE)}`;
    });
    afterAll(async () => {
      if (admin === undefined) return;
      await admin`drop database if exists ${admin(PG_DATABASE)} with (force)`;
      await admin.end({ timeout: 5 });
    });

    it('a replica killed while it applies a catch-up ends with no duplicate and no hole', async () => {
      await startMaster();
      let replica = await startReplica('replica-pg', pgReplicaUrl());
      await converged(replica, 'the PostgreSQL replica caught up');
      expect(await replica.node.stop('SIGTERM')).toBe(0);
      const before = await masterHead();
      await write('while-down', 800, 8);
      const head = await masterHead();

      replica = await startReplica('replica-pg', pgReplicaUrl());
      const killedAt = await waitUntil(
        'the replica applies part of the catch-up',
        async () => {
          const status = await replication(replica.api);
          return status.appliedSeq > before.seq && status.appliedSeq;
        },
        30_000,
      );
      await replica.node.stop('SIGKILL');
      // Where it was killed, for the record: mid-way unless the whole catch-up fit in one poll.
      expect(killedAt).toBeGreaterThan(before.seq);
      expect(killedAt).toBeLessThanOrEqual(head.seq);

      replica = await startReplica('replica-pg', pgReplicaUrl());
      const status = await converged(replica, 'converged after SIGKILL');
      expect(status.snapshots).toBe(0); // resumed from its applied seq, no snapshot needed
      const rows = await allRows(replica.api);
      expect(new Set(rows.schedules.map((row) => row.id)).size).toBe(rows.schedules.length);
      expect(await replica.node.stop('SIGTERM')).toBe(0);
      await stopMaster();
    }, 120_000);
  });
});
