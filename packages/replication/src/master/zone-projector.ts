import { replicationTopic } from '@schedulezero/protocol';
import type { ChangeProjector, ChangeRecord } from '@schedulezero/scheduler-core';
import type { ZonePolicy } from '@schedulezero/security-filter';

/**
 * The change log's projector, the zones' security boundary: each change, filtered by each zone's
 * policy, becomes that zone's row. It runs inside the writing transaction, so a field a zone may
 * not see is never written to that zone's log, and so never leaves the master on that zone's
 * endpoint.
 */
export function createZoneProjector(policies: ReadonlyMap<string, ZonePolicy>): ChangeProjector {
  return (change) => {
    const records: ChangeRecord[] = [];
    for (const [zone, policy] of policies) {
      const projected = policy.project(change);
      if (projected === null) continue;
      const payload =
        projected.kind === 'schedule'
          ? projected.schedule
          : projected.kind === 'job'
            ? projected.job
            : projected.handler;
      records.push({ zone, topic: replicationTopic(change.kind, change.op), payload });
    }
    return records;
  };
}
