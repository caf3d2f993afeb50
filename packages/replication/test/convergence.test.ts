import { join } from 'node:path';
import { openReplicaStore, type ReplicaStore } from '@schedulezero/scheduler-core';
import { eventually } from '@schedulezero/scheduler-core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import type { AppliedEvent } from '../src/types.ts';
import {
  caughtUp,
  expectSameState,
  type Master,
  Resources,
  readState,
  startMaster,
  startReplica,
  writeChanges,
} from './harness.ts';

const resources = new Resources();
afterEach(() => resources.closeAll());

async function replicaStore(dir: string, name = 'replica'): Promise<ReplicaStore> {
  return resources.add(await openReplicaStore(`sqlite:${join(dir, `${name}.db`)}`), (store) => store.close());
}

async function sqliteMaster(dir: string): Promise<Master> {
  return startMaster(resources, `sqlite:${join(dir, 'master.db')}`);
}

describe('convergence', () => {
  it('converges to exactly the master state after 10,000 changes, live and from a late start', {
    timeout: 60_000,
  }, async () => {
    const dir = resources.tempDir();
    const master = await sqliteMaster(dir);
    const followerStore = await replicaStore(dir, 'follower');
    const follower = await startReplica(resources, master, followerStore);
    await caughtUp(follower, master.store);
    const events: AppliedEvent[] = [];
    follower.on('applied', (event) => events.push(event));

    await writeChanges(master.store, 10_000);
    const head = (await master.store.changeHead('admin')).seq;
    expect(head).toBe(10_000);

    const lateStore = await replicaStore(dir, 'late');
    const late = await startReplica(resources, master, lateStore);
    await Promise.all([caughtUp(follower, master.store), caughtUp(late, master.store)]);
    await expectSameState(master.store, followerStore);
    await expectSameState(master.store, lateStore);
    expect((await readState(lateStore)).jobs.length).toBeGreaterThan(1_000);

    // The follower took every seq once, in order, after its first (empty) snapshot.
    const seqs = events.flatMap((event) => event.seqs);
    expect(seqs).toEqual(Array.from({ length: head }, (_, index) => index + 1));
    expect(late.status()).toMatchObject({
      snapshots: 1,
      appliedSeq: head,
      lagChanges: 0,
      lagMs: 0,
      errors: 0,
    });
    expect(await lateStore.replicationState('admin')).toMatchObject({ appliedSeq: head, snapshotSeq: null });
  });

  it('counts the subscribers connected to each zone stream', async () => {
    const dir = resources.tempDir();
    const master = await sqliteMaster(dir);
    const subscribers = (zone: string) =>
      master.publisher.stats().zones.find((entry) => entry.zone === zone)?.subscribers;
    expect(subscribers('admin')).toBe(0);
    const first = await startReplica(resources, master, await replicaStore(dir, 'first'));
    await startReplica(resources, master, await replicaStore(dir, 'second'));
    await eventually(() => expect(subscribers('admin')).toBe(2));
    expect(subscribers('public')).toBe(0);
    await first.close();
    await eventually(() => expect(subscribers('admin')).toBe(1));
  });

  it('replicates a zone projection, storing what the zone does not receive as empty values', async () => {
    const dir = resources.tempDir();
    const master = await sqliteMaster(dir);
    await writeChanges(master.store, 100);
    const store = await replicaStore(dir);
    const replica = await startReplica(resources, master, store, { zone: 'public' });
    await caughtUp(replica, master.store, 'public');
    await writeChanges(master.store, 100, 'more');
    await caughtUp(replica, master.store, 'public');

    const expected = await readState(master.store);
    const actual = await readState(store);
    expect(actual.schedules).toEqual(
      expected.schedules.map((schedule) => ({ ...schedule, args: {}, metadata: {} })),
    );
    expect(actual.jobs).toEqual([]);
    expect(actual.handlers).toEqual([]);
  });

  it('takes only the kinds it selects, gap-free over the rows of the others, and resnapshots when they change', async () => {
    const dir = resources.tempDir();
    const master = await sqliteMaster(dir);
    await writeChanges(master.store, 50);
    const store = await replicaStore(dir);
    const options = { kinds: ['schedule', 'job'] as const };
    const replica = await startReplica(resources, master, store, { ...options, kinds: [...options.kinds] });
    await caughtUp(replica, master.store);
    // Handler changes in between and at the end: the position moves over them without a catch-up.
    await writeChanges(master.store, 400, 'kinds');
    await master.store.upsertHandler(
      { ...(await master.store.listHandlers())[0], id: 'last', lastSeenAt: new Date() } as never,
      'registered',
    );
    await caughtUp(replica, master.store);
    expect(replica.status()).toMatchObject({ gaps: 0, resyncs: 0, kinds: ['job', 'schedule'] });

    const expected = await readState(master.store);
    const actual = await readState(store);
    expect(actual.schedules).toEqual(expected.schedules);
    expect(actual.jobs).toEqual(expected.jobs);
    expect(actual.handlers).toEqual([]);

    // Taking handlers too: the handler rows it skipped are not in the log's future, so a snapshot.
    await replica.close();
    const widened = await startReplica(resources, master, store);
    await caughtUp(widened, master.store);
    expect(widened.status().snapshots).toBe(1);
    await expectSameState(master.store, store);
  });
});
