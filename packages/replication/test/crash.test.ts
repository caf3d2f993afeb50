import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { openReplicaStore, type ReplicaStore, type ReplicatedRow } from '@schedulezero/scheduler-core';
import { afterEach, describe, expect, it } from 'vitest';
import type { AppliedEvent, Subscriber } from '../src/types.ts';
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

/** A replica at the master's current head, closed again: the next one catches up from there. */
async function replicaAtHead(master: Master, store: ReplicaStore): Promise<number> {
  const first = await startReplica(resources, master, store);
  await caughtUp(first, master.store);
  await first.close();
  return first.status().appliedSeq;
}

/** Every seq after `from` up to `to` written once, in order, by the events of `subscriber`. */
function recordSeqs(subscriber: Subscriber): AppliedEvent[] {
  const events: AppliedEvent[] = [];
  subscriber.on('applied', (event) => events.push(event));
  return events;
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, index) => from + 1 + index);

describe('a crash in the middle of applying', () => {
  it('rolls back a batch that fails inside its transaction: no duplicate, no hole', async () => {
    const dir = resources.tempDir();
    const master = await startMaster(resources, `sqlite:${join(dir, 'master.db')}`);
    await writeChanges(master.store, 30);
    const store = await replicaStore(dir);
    const start = await replicaAtHead(master, store);
    await writeChanges(master.store, 300, 'batch');

    // The first batch with two jobs fails on its second: a twin of the first, same fire time,
    // breaks the replica's unique (scheduleId, scheduledAt) after the rows before it were written.
    let failure: { error: unknown; firstId: string; stateAfter: unknown; firstAfter: unknown } | undefined;
    const faulty: ReplicaStore = {
      ...store,
      applyReplicated: async (batch) => {
        const jobs = batch.rows.flatMap((row, index) => (row.topic === 'job.executed' ? [index] : []));
        const [first, second] = jobs;
        if (failure !== undefined || first === undefined || second === undefined || first === 0)
          return store.applyReplicated(batch);
        const rows: ReplicatedRow[] = batch.rows.map((row, index) =>
          index === second
            ? { ...row, payload: { ...(batch.rows[first]?.payload as object), id: 'twin' } }
            : row,
        );
        const firstId = String((batch.rows[0]?.payload as { id?: string } | undefined)?.id);
        const error = await store.applyReplicated({ ...batch, rows }).then(
          () => undefined,
          (reason: unknown) => reason,
        );
        failure = {
          error,
          firstId,
          stateAfter: await store.replicationState('admin'),
          firstAfter:
            (await store.getSchedule(firstId)) ??
            (await store.listHandlers()).find((handler) => handler.id === firstId) ??
            null,
        };
        throw error;
      },
    };
    const replica = await startReplica(resources, master, faulty);
    const events = recordSeqs(replica);
    await caughtUp(replica, master.store);

    expect(String(failure?.error)).toMatch(/UNIQUE/);
    // Nothing of the failed batch stayed: not its first row, not its position.
    expect(failure?.stateAfter).toMatchObject({ appliedSeq: start });
    expect(failure?.firstAfter).toBeNull();
    expect(replica.status().errors).toBe(1);
    expect(events.flatMap((event) => event.seqs)).toEqual(range(start, start + 300));
    await expectSameState(master.store, store);
  });

  it('resumes after the replica process is killed with SIGKILL while applying: no duplicate, no hole', async () => {
    const dir = resources.tempDir();
    const master = await startMaster(resources, `sqlite:${join(dir, 'master.db')}`);
    await writeChanges(master.store, 30);
    const store = await replicaStore(dir);
    await replicaAtHead(master, store);
    await writeChanges(master.store, 1_500, 'crash');
    const head = (await master.store.changeHead('admin')).seq;

    const { publish, sync } = master.endpoints('admin');
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(import.meta.dirname, 'replica-child.ts'),
        join(dir, 'replica.db'),
        publish,
        sync,
        '20',
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    resources.add(child, (process) => process.kill('SIGKILL'));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    let reported = 0;
    for await (const line of createInterface({ input: child.stdout })) {
      const match = /^applied (\d+)$/.exec(line);
      if (match) reported = Number(match[1]);
      // Half way through the catch-up: batches are committing one after the other.
      if (reported >= head / 2) {
        child.kill('SIGKILL');
        break;
      }
    }
    expect(await exited).toBeNull();
    const killedAt = await store.replicationState('admin');
    if (killedAt === undefined) throw new Error('no replication state');
    // The last batch the child reported committed; one more may have committed before the kill.
    expect(killedAt.appliedSeq).toBeGreaterThanOrEqual(reported);
    expect(killedAt.appliedSeq).toBeLessThan(head);

    const replica = await startReplica(resources, master, store);
    const events = recordSeqs(replica);
    await caughtUp(replica, master.store);
    expect(replica.status().snapshots).toBe(0);
    expect(events.flatMap((event) => event.seqs)).toEqual(range(killedAt.appliedSeq, head));
    await expectSameState(master.store, store);
  });
});
