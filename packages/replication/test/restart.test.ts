import { copyFileSync, rmSync } from 'node:fs';
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
  startMaster,
  startReplica,
  writeChanges,
} from './harness.ts';

const resources = new Resources();
afterEach(() => resources.closeAll());

async function replicaStore(dir: string): Promise<ReplicaStore> {
  return resources.add(await openReplicaStore(`sqlite:${join(dir, 'replica.db')}`), (store) => store.close());
}

async function stop(master: Master): Promise<void> {
  await master.publisher.close();
  await master.store.close();
}

/** Where a restarted master binds: the ports its predecessor picked. */
function endpointsOf(master: Master) {
  return { admin: master.endpoints('admin'), public: master.endpoints('public') };
}

describe('master restarts, replaced and restored databases, retention', () => {
  it('resumes from its position after a master restart, without a snapshot', async () => {
    const dir = resources.tempDir();
    const url = `sqlite:${join(dir, 'master.db')}`;
    let master = await startMaster(resources, url);
    const store = await replicaStore(dir);
    const replica = await startReplica(resources, master, store);
    await writeChanges(master.store, 100);
    await caughtUp(replica, master.store);
    const events: AppliedEvent[] = [];
    replica.on('applied', (event) => events.push(event));

    const endpoints = endpointsOf(master);
    await stop(master);
    await replica.waitFor((status) => !status.connected, 5_000);
    master = await startMaster(resources, url, { endpoints });
    await writeChanges(master.store, 100, 'after');
    await caughtUp(replica, master.store);

    expect(replica.status()).toMatchObject({ snapshots: 1, appliedSeq: 200, connected: true });
    expect(events.flatMap((event) => event.seqs)).toEqual(
      Array.from({ length: 100 }, (_, index) => 101 + index),
    );
    await expectSameState(master.store, store);
  });

  it('takes a new snapshot when the master database was replaced (a new epoch)', async () => {
    const dir = resources.tempDir();
    const first = await startMaster(resources, `sqlite:${join(dir, 'master.db')}`);
    const store = await replicaStore(dir);
    const replica = await startReplica(resources, first, store);
    await writeChanges(first.store, 100);
    await caughtUp(replica, first.store);
    const oldEpoch = replica.status().epoch;

    const endpoints = endpointsOf(first);
    await stop(first);
    const second = await startMaster(resources, `sqlite:${join(dir, 'replaced.db')}`, { endpoints });
    await writeChanges(second.store, 60, 'new');
    const { epoch } = await second.store.changeHead('admin');
    expect(epoch).not.toBe(oldEpoch);
    await replica.waitFor(
      (status) => status.epoch === epoch && status.state === 'live' && status.appliedSeq === 60,
      10_000,
    );

    expect(replica.status().snapshots).toBe(2);
    expect(second.publisher.stats().zones[0]?.snapshotRequired.unknown_epoch).toBeGreaterThanOrEqual(1);
    // Nothing of the old database is left.
    await expectSameState(second.store, store);
  });

  it('takes a new snapshot when the master went back to a backup (same epoch, head below the replica)', async () => {
    const dir = resources.tempDir();
    const file = join(dir, 'master.db');
    let master = await startMaster(resources, `sqlite:${file}`);
    const store = await replicaStore(dir);
    const replica = await startReplica(resources, master, store);
    await writeChanges(master.store, 40);
    await caughtUp(replica, master.store);
    const endpoints = endpointsOf(master);

    await stop(master);
    copyFileSync(file, join(dir, 'backup.db'));
    master = await startMaster(resources, `sqlite:${file}`, { endpoints });
    await writeChanges(master.store, 40, 'lost');
    await caughtUp(replica, master.store);
    expect(replica.status().appliedSeq).toBe(80);

    await stop(master);
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
    copyFileSync(join(dir, 'backup.db'), file);
    master = await startMaster(resources, `sqlite:${file}`, { endpoints });
    await replica.waitFor((status) => status.snapshots === 2 && status.state === 'live', 10_000);
    expect(replica.status()).toMatchObject({
      appliedSeq: 40,
      epoch: (await master.store.changeHead('admin')).epoch,
    });
    expect(master.publisher.stats().zones[0]?.snapshotRequired.reset).toBe(1);
    await expectSameState(master.store, store);

    await writeChanges(master.store, 10, 'again');
    await caughtUp(replica, master.store);
    await expectSameState(master.store, store);
  });

  it('falls back to a snapshot when its position is older than the retained log', async () => {
    const dir = resources.tempDir();
    const master = await startMaster(resources, `sqlite:${join(dir, 'master.db')}`, {
      retention: { keepRows: 20, intervalMs: 50 },
    });
    const store = await replicaStore(dir);
    const first = await startReplica(resources, master, store);
    await writeChanges(master.store, 50);
    await caughtUp(first, master.store);
    await first.close();

    await writeChanges(master.store, 200, 'while-away');
    await eventually(() => expect(master.publisher.stats().zones[0]?.oldestSeq).toBeGreaterThan(51));
    // The first replica may have needed one too, if it fell 20 changes behind while following.
    const before = master.publisher.stats().zones[0]?.snapshotRequired.retention ?? 0;
    const second = await startReplica(resources, master, store);
    await caughtUp(second, master.store);

    expect(second.status().snapshots).toBe(1);
    expect(master.publisher.stats().zones[0]?.snapshotRequired.retention).toBe(before + 1);
    await expectSameState(master.store, store);
  });
});
