import { join } from 'node:path';
import { openReplicaStore, type ReplicaStore } from '@schedulezero/scheduler-core';
import { eventually } from '@schedulezero/scheduler-core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import type { AppliedEvent, SubscriberStatus } from '../src/types.ts';
import { caughtUp, expectSameState, Resources, startMaster, startReplica, writeChanges } from './harness.ts';

const resources = new Resources();
afterEach(() => resources.closeAll());

async function replicaStore(dir: string): Promise<ReplicaStore> {
  return resources.add(await openReplicaStore(`sqlite:${join(dir, 'replica.db')}`), (store) => store.close());
}

describe('snapshots and lag', () => {
  it('neither loses nor applies twice the changes committed while a snapshot loads', async () => {
    const dir = resources.tempDir();
    const master = await startMaster(resources, `sqlite:${join(dir, 'master.db')}`);
    await writeChanges(master.store, 1_000);
    const store = await replicaStore(dir);
    let entered = () => {};
    const loading = new Promise<void>((resolve) => {
      entered = resolve;
    });
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    // The first page waits until the test has written more: those changes are not in the snapshot.
    const paused: ReplicaStore = {
      ...store,
      applySnapshot: async (page) => {
        entered();
        await gate;
        return store.applySnapshot(page);
      },
    };
    const replica = await startReplica(resources, master, paused, { pageSize: 50 });
    const events: AppliedEvent[] = [];
    replica.on('applied', (event) => events.push(event));
    await loading;
    await writeChanges(master.store, 300, 'during');
    release();
    await caughtUp(replica, master.store);

    const [snapshot, ...changes] = events;
    expect(snapshot).toMatchObject({ source: 'snapshot', toSeq: 1_000 });
    expect(changes.flatMap((event) => event.seqs)).toEqual(
      Array.from({ length: 300 }, (_, index) => 1_001 + index),
    );
    expect(replica.status()).toMatchObject({ snapshots: 1, appliedSeq: 1_300, gaps: 0 });
    await expectSameState(master.store, store);
  });

  it('reports lag while behind under steady writes, and returns to zero', async () => {
    const dir = resources.tempDir();
    const master = await startMaster(resources, `sqlite:${join(dir, 'master.db')}`);
    const store = await replicaStore(dir);
    // A replica slower than the master: every batch takes 30 ms more.
    const slow: ReplicaStore = {
      ...store,
      applyReplicated: async (batch) => {
        await new Promise((resolve) => setTimeout(resolve, 30));
        return store.applyReplicated(batch);
      },
    };
    const replica = await startReplica(resources, master, slow);
    await caughtUp(replica, master.store);
    expect(replica.status()).toMatchObject({ lagChanges: 0, lagMs: 0 });

    const samples: SubscriberStatus[] = [];
    let writing = true;
    const load = (async () => {
      for (let round = 0; writing; round += 1) {
        await writeChanges(master.store, 5, `load-${round}`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    await eventually(
      () => {
        samples.push(replica.status());
        expect(samples.some((status) => status.lagChanges > 0 && status.lagMs > 0)).toBe(true);
        expect(samples.filter((status) => status.lagChanges > 0).length).toBeGreaterThan(10);
      },
      { timeoutMs: 10_000, intervalMs: 20 },
    );
    writing = false;
    await load;

    const head = (await master.store.changeHead('admin')).seq;
    await replica.waitFor(
      (status) => status.appliedSeq === head && status.lagChanges === 0 && status.lagMs === 0,
      10_000,
    );
    const behind = samples.filter((status) => status.lagChanges > 0);
    expect(behind.every((status) => status.headSeq - status.appliedSeq === status.lagChanges)).toBe(true);
    await expectSameState(master.store, store);
  });
});
