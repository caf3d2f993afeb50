import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openReplicaStore } from '@schedulezero/scheduler-core';
import { PG_TEST_URL, postgresGate } from '@schedulezero/scheduler-core/testing';
import postgres from 'postgres';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../src/free-port.ts';
import { killLeftovers } from '../src/node-process.ts';
import {
  allRows,
  caughtUp,
  type MasterNode,
  matchingRows,
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
 * snapshot, and a replica killed while it applies a catch-up, on SQLite and on PostgreSQL (that
 * one skipped with a message when no PostgreSQL server answers, unless CI=true).
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
  const rows = await matchingRows(replica.api, (master as MasterNode).api);
  expect(rows.replica).toEqual(rows.master);
  return status;
}

function startReplica(name: string, database: string, logLevel?: 'debug'): Promise<ReplicaNode> {
  return startReplicaNode(dir, name, {
    database,
    zone: 'admin',
    endpoints,
    ...(logLevel ? { logLevel } : {}),
  });
}

/** The applied seq a replica's database holds, read with the replica stopped. */
async function storedAppliedSeq(database: string): Promise<number> {
  const store = await openReplicaStore(database);
  try {
    const state = await store.replicationState('admin');
    expect(state?.snapshotSeq).toBeNull();
    return state?.appliedSeq ?? -1;
  } finally {
    await store.close();
  }
}

interface PageLine {
  fromSeq: number;
  lastSeq: number;
}

/**
 * A replica away while 2,000 schedules are created and 667 of them paused (six catch-up pages of
 * 500), started again and SIGKILLed as soon as it has applied its first page, then restarted: it
 * resumes right after what its database committed, pages on to the head with no hole and no
 * overlap, and ends with exactly the master's rows.
 */
async function killMidCatchUp(name: string, database: string): Promise<void> {
  await startMaster();
  let replica = await startReplica(name, database);
  await converged(replica, 'the replica caught up');
  expect(await replica.node.stop('SIGTERM')).toBe(0);
  const before = await masterHead();
  await write(`${name}-while-down`, 2_000, 8);
  const head = await waitUntil('the master published every change', async () => {
    const now = await masterHead();
    return now.seq === before.seq + 2_667 && now;
  });

  replica = await startReplica(name, database, 'debug');
  const first = (await replica.node.waitForLog(
    (line) => line.msg === 'caught up a page',
    30_000,
  )) as unknown as PageLine;
  await replica.node.stop('SIGKILL');
  // Where the kill landed is what the database committed: past the first page, short of the head.
  const killedAt = await storedAppliedSeq(database);
  expect(first.fromSeq).toBe(before.seq + 1);
  expect(killedAt).toBeGreaterThanOrEqual(first.lastSeq);
  expect(killedAt).toBeLessThan(head.seq);

  replica = await startReplica(name, database, 'debug');
  const status = await converged(replica, 'converged after SIGKILL');
  expect(status.snapshots).toBe(0); // resumed from its applied seq, no snapshot needed
  expect(status.appliedSeq).toBe(head.seq);
  // The applied seqs after the restart: from killedAt + 1, page after page, to the head; each of
  // the remaining changes applied once, all from the log (nothing was written meanwhile).
  const pages = replica.node.logs.filter((line) => line.msg === 'caught up a page') as unknown as PageLine[];
  expect(pages[0]?.fromSeq).toBe(killedAt + 1);
  for (const [index, page] of pages.entries())
    if (index > 0) expect(page.fromSeq).toBe((pages[index - 1] as PageLine).lastSeq + 1);
  expect(pages.at(-1)?.lastSeq).toBe(head.seq);
  expect(status.appliedRows).toBe(head.seq - killedAt);
  expect(status.catchUpRows).toBe(head.seq - killedAt);
  // Every row as on the master (converged compared them), and no schedule twice.
  const rows = await allRows(replica.api);
  expect(rows.schedules.filter((row) => String(row.id).startsWith(`${name}-while-down-`))).toHaveLength(
    2_000,
  );
  expect(new Set(rows.schedules.map((row) => row.id)).size).toBe(rows.schedules.length);
  expect(await replica.node.stop('SIGTERM')).toBe(0);
  await stopMaster();
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

  it('a replica on SQLite killed while it applies a catch-up ends with no duplicate and no hole', async () => {
    await killMidCatchUp('replica-sqlite-kill', sqliteUrl(dir, 'replica-sqlite-kill'));
  }, 120_000);

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
      await killMidCatchUp('replica-pg', pgReplicaUrl());
    }, 120_000);
  });
});
