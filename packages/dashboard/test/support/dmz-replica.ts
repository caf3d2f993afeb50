import {
  type ChangeFeed,
  type ChangeProjector,
  openReplicaStore,
  type ReplicaStore,
} from '@schedulezero/scheduler-core';
import { createZonePolicy } from '@schedulezero/security-filter';

/** The dmz zone's projector, as the master wires it (apps/master zone-projector). */
export function dmzProjector(): ChangeProjector {
  const policy = createZonePolicy('dmz');
  return (change) => {
    const projected = policy.project(change);
    if (projected === null) return [];
    const payload =
      projected.kind === 'schedule'
        ? projected.schedule
        : projected.kind === 'job'
          ? projected.job
          : projected.handler;
    return [{ zone: 'dmz', topic: `${change.kind}.${change.op}`, payload }];
  };
}

/** A replica store filled from the master's dmz snapshot through the replica apply path. */
export async function loadDmzReplica(master: ChangeFeed, databaseUrl: string): Promise<ReplicaStore> {
  const replica = await openReplicaStore(databaseUrl);
  const snapshot = await master.readSnapshot('dmz');
  await replica.resetReplica({ zone: 'dmz', epoch: snapshot.epoch, snapshotSeq: snapshot.seq, kinds: null });
  const applied = await replica.applySnapshot({
    zone: 'dmz',
    epoch: snapshot.epoch,
    snapshotSeq: snapshot.seq,
    records: snapshot.records.map(({ topic, payload }) => ({ topic, payload })),
    complete: true,
  });
  if (!applied.ok) throw new Error(`snapshot refused: ${JSON.stringify(applied)}`);
  return replica;
}
