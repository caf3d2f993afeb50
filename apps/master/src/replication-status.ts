import type { ReplicationProvider } from '@schedulezero/http-api';
import type { Publisher } from '@schedulezero/replication';

/** GET /api/replication on the master: each zone's stream as its publisher sees it; no zones, none. */
export function masterReplicationStatus(publisher: Publisher | undefined): ReplicationProvider {
  return async () => ({ role: 'master', zones: publisher?.stats().zones ?? [] });
}
