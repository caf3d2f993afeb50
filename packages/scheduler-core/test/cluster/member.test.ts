import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type ClusterMember, createClusterMember } from '../../src/cluster/member.ts';
import type { ClusterStore } from '../../src/cluster/types.ts';
import { silentLogger } from '../../src/logger.ts';
import type { MasterStore } from '../../src/store/roles.ts';
import { eventually, PG_TEST_URL, pgTestDatabases, postgresGate } from '../../src/testing/index.ts';

/**
 * The member on the real PostgreSQL, with the database cut off on demand: a wrapper over the real
 * cluster port whose calls fail while `cut` is set, as they would when the network drops.
 */

const gate = await postgresGate('PostgreSQL cluster member tests');
const databases = pgTestDatabases(PG_TEST_URL);
afterAll(() => databases.teardown());

const HEARTBEAT_MS = 100;
const DEAD_AFTER_MS = 600;

function cuttable(cluster: ClusterStore): { port: ClusterStore; cut(on: boolean): void } {
  let cut = false;
  const port = Object.fromEntries(
    Object.entries(cluster).map(([name, method]) => [
      name,
      (...args: unknown[]) =>
        cut
          ? Promise.reject(new Error('connection lost'))
          : (method as (...a: unknown[]) => Promise<unknown>)(...args),
    ]),
  ) as unknown as ClusterStore;
  return {
    port,
    cut: (on) => {
      cut = on;
    },
  };
}

describe.skipIf(gate.skip)('cluster member on PostgreSQL', () => {
  const stores: MasterStore[] = [];
  const members: ClusterMember[] = [];
  let destroy: (() => Promise<void>) | undefined;
  let ids = 0;

  async function open(): Promise<ClusterStore> {
    const store = await openStore();
    if (store.cluster === undefined) throw new Error('a PostgreSQL store has a cluster port');
    return store.cluster;
  }
  let openStore: () => Promise<MasterStore>;

  async function setup(): Promise<void> {
    gate.assertReachable();
    const database = await databases.create();
    destroy = database.destroy;
    openStore = async () => {
      const store = await database.open();
      stores.push(store);
      return store;
    };
  }

  function member(cluster: ClusterStore, name: string, heartbeatMs = HEARTBEAT_MS): ClusterMember {
    const created = createClusterMember({
      cluster,
      registration: {
        name,
        pid: process.pid,
        host: 'test-host',
        version: '0.0.0-test',
        addresses: { http: null, handlerLink: null, zones: {} },
      },
      heartbeatMs,
      deadAfterMs: DEAD_AFTER_MS,
      logger: silentLogger,
      newId: () => {
        ids += 1;
        return `${name}-${ids}`;
      },
    });
    members.push(created);
    return created;
  }

  afterEach(async () => {
    for (const each of members.splice(0)) await each.leave();
    await Promise.all(stores.splice(0).map((store) => store.close()));
    await destroy?.();
  });

  it('a leader cut off from the database steps down before its lease ends', async () => {
    await setup();
    const real = await open();
    const { port, cut } = cuttable(real);
    // A slow heartbeat: the member steps down 250 ms before its lease ends, room for a busy machine.
    const leader = member(port, 'alpha', 250);
    await leader.start();
    expect(leader.isLeader()).toBe(true);
    const { term } = leader.stats();

    cut(true);
    const steppedDownAt = await eventually(
      () => {
        expect(leader.isLeader()).toBe(false);
        return Date.now();
      },
      { timeoutMs: DEAD_AFTER_MS * 2, intervalMs: 5 },
    );
    // It let go while the database still had it as the holder of a live lease.
    const lease = await real.lease();
    expect(lease).toMatchObject({ holder: leader.stats().instanceId, term });
    // The database's clock is this host's: the lease had not run out yet.
    expect(lease.expiresAt?.getTime()).toBeGreaterThan(steppedDownAt);
    expect(leader.owner(), 'nor does it claim while it cannot confirm it is alive').toBeNull();
    cut(false);
  });

  it('a leader that begins to leave gives the lease up at once, before its jobs have ended', async () => {
    await setup();
    const cluster = await open();
    const alpha = member(cluster, 'alpha');
    await alpha.start();
    const beta = member(await open(), 'beta');
    await beta.start();
    expect([alpha.isLeader(), beta.isLeader()]).toEqual([true, false]);

    await alpha.beginLeave();
    expect(alpha.isLeader()).toBe(false);
    expect(alpha.owner()).toBeNull();
    const [resigned] = await cluster.leadershipLog(1);
    expect(resigned).toMatchObject({ event: 'resigned', instanceId: alpha.stats().instanceId });
    // Well within the lease alpha would still have held.
    await eventually(() => expect(beta.isLeader()).toBe(true), { timeoutMs: DEAD_AFTER_MS / 2 });
    const [elected] = await cluster.leadershipLog(1);
    expect(elected).toMatchObject({ event: 'elected', instanceId: beta.stats().instanceId, term: 2 });
  });

  it('a member declared dead while cut off is fenced, then registers as the next incarnation', async () => {
    await setup();
    const { port, cut } = cuttable(await open());
    const alpha = member(port, 'alpha');
    await alpha.start();
    const first = alpha.stats();
    expect(alpha.owner()).toBe(first.instanceId);

    const beta = member(await open(), 'beta');
    cut(true);
    await beta.start();
    await eventually(async () => expect(beta.stats().takeovers).toBe(1), { timeoutMs: DEAD_AFTER_MS * 4 });
    expect(alpha.owner()).toBeNull();

    cut(false);
    await eventually(() => expect(alpha.stats().fenced).toBe(1), { timeoutMs: DEAD_AFTER_MS * 2 });
    const second = alpha.stats();
    expect(second.instanceId).not.toBe(first.instanceId);
    expect(second.incarnation).toBe(2);
    await eventually(() => expect(alpha.owner()).toBe(second.instanceId));
  });
});
