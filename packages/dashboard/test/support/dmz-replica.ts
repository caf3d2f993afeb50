import { createZoneProjector } from '@schedulezero/replication';
import {
  type ChangeFeed,
  type ChangeProjector,
  openReplicaStore,
  type ReplicaStore,
} from '@schedulezero/scheduler-core';
import { createZonePolicy } from '@schedulezero/security-filter';

/** The dmz zone's projector, as the master wires it. */
export function dmzProjector(): ChangeProjector {
  return createZoneProjector(new Map([['dmz', createZonePolicy('dmz')]]));
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
