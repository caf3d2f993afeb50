import { join } from 'node:path';
import { encodeStreamHeader } from '@schedulezero/protocol';
import { openReplicaStore, type ReplicaStore } from '@schedulezero/scheduler-core';
import { eventually } from '@schedulezero/scheduler-core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { Dealer, Publisher, Subscriber } from 'zeromq';
import { caughtUp, expectSameState, Resources, startMaster, startReplica, writeChanges } from './harness.ts';
import { startLossyProxy } from './lossy-proxy.ts';

const resources = new Resources();
afterEach(() => resources.closeAll());

async function replicaStore(dir: string): Promise<ReplicaStore> {
  return resources.add(await openReplicaStore(`sqlite:${join(dir, 'replica.db')}`), (store) => store.close());
}

describe('losses on the live stream', () => {
  it('converges with a tiny send HWM and a stalled subscriber, and counts the gaps it repaired', async () => {
    const dir = resources.tempDir();
    const master = await startMaster(resources, `sqlite:${join(dir, 'master.db')}`, {
      sendHighWaterMark: 1,
      // Small kernel buffers too, so that the PUB's queue fills and drops within a few frames.
      configureSocket: (socket, role) => {
        if (role === 'publish' && socket instanceof Publisher) socket.sendBufferSize = 4096;
      },
    });
    const store = await replicaStore(dir);
    let gate: Promise<void> | undefined;
    // The replica's apply stalls while the gate is shut: its buffer fills, its reader stops reading.
    const stalled: ReplicaStore = {
      ...store,
      applyReplicated: async (batch) => {
        await gate;
        return store.applyReplicated(batch);
      },
    };
    const replica = await startReplica(resources, master, stalled, {
      bufferLimit: 8,
      receiveHighWaterMark: 1,
      configureSocket: (socket, role) => {
        if (role === 'subscribe' && socket instanceof Subscriber) socket.receiveBufferSize = 4096;
      },
    });
    await writeChanges(master.store, 50);
    await caughtUp(replica, master.store);
    const before = replica.status();
    const headBefore = (await master.store.changeHead('admin')).seq;

    let open = () => {};
    gate = new Promise((resolve) => {
      open = resolve;
    });
    await writeChanges(master.store, 1_000, 'stall');
    // The publisher sent everything while the replica read nothing.
    const head = (await master.store.changeHead('admin')).seq;
    await eventually(() => expect(master.publisher.stats().zones[0]?.publishedSeq).toBe(head));
    expect(replica.status().appliedSeq).toBeLessThan(1_000);
    gate = undefined;
    open();

    await caughtUp(replica, master.store);
    const after = replica.status();
    expect(after.gaps).toBeGreaterThan(0);
    expect(after.resyncs).toBeGreaterThan(0);
    // The stream really lost changes, and the catch-ups brought at least those: each change was
    // applied once, from a live frame or from a page.
    const written = head - headBefore;
    const received = after.receivedChanges - before.receivedChanges;
    expect(received).toBeLessThan(written);
    expect(after.appliedRows - before.appliedRows).toBe(written);
    expect(after.catchUpRows - before.catchUpRows).toBeGreaterThanOrEqual(written - received);
    await expectSameState(master.store, store);
  });

  it('repairs tail loss from the heartbeat when no change follows the lost ones', async () => {
    const dir = resources.tempDir();
    const master = await startMaster(resources, `sqlite:${join(dir, 'master.db')}`);
    const proxy = await startLossyProxy(resources, master.endpoints('admin').publish);
    const store = await replicaStore(dir);
    const replica = await startReplica(
      resources,
      { endpoints: () => ({ ...master.endpoints('admin'), publish: proxy.endpoint }) },
      store,
    );
    await writeChanges(master.store, 30);
    await caughtUp(replica, master.store);
    const before = replica.status();

    // The network loses every change from now on; heartbeats still get through.
    proxy.drop = (message) => message.header.kind !== 'heartbeat';
    await writeChanges(master.store, 5, 'tail');
    await caughtUp(replica, master.store);
    expect(proxy.dropped).toBeGreaterThanOrEqual(5);
    expect(replica.status().gaps).toBe(before.gaps + 1);
    expect(replica.status().appliedRows - before.appliedRows).toBe(5);
    // None came live: all five from the catch-up.
    expect(replica.status().catchUpRows - before.catchUpRows).toBe(5);
    await expectSameState(master.store, store);
  });

  it('counts and drops malformed frames on both channels', async () => {
    const dir = resources.tempDir();
    const master = await startMaster(resources, `sqlite:${join(dir, 'master.db')}`);
    const proxy = await startLossyProxy(resources, master.endpoints('admin').publish);
    const store = await replicaStore(dir);
    const replica = await startReplica(
      resources,
      { endpoints: () => ({ ...master.endpoints('admin'), publish: proxy.endpoint }) },
      store,
    );
    await writeChanges(master.store, 10);
    await caughtUp(replica, master.store);

    const header = encodeStreamHeader({
      kind: 'schedule',
      epoch: replica.status().epoch ?? '',
      seq: 999,
      masterTime: 0,
      marks: { schedule: 0, job: 0, handler: 0 },
    });
    await proxy.inject(['schedule.created', header, '{not json']);
    await proxy.inject(['schedule.created', Buffer.from([7])]);
    await eventually(() => expect(replica.status().dropped).toBe(2));

    const rogue = resources.add(new Dealer({ linger: 0 }), (socket) => socket.close());
    rogue.connect(master.endpoints('admin').sync);
    await rogue.send(['1', 'sync', '{"requestId":"x","fromSeq":0}']);
    await rogue.send(['9', 'sync', '{}']);
    await eventually(() =>
      expect(master.publisher.stats().zones[0]?.dropped).toEqual({ invalid: 1, unknown_version: 1 }),
    );
    // Nothing of it reached the replica's data.
    await writeChanges(master.store, 5, 'after');
    await caughtUp(replica, master.store);
    expect(replica.status().gaps).toBe(0);
    await expectSameState(master.store, store);
  });
});
