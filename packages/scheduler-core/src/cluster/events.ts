/**
 * What happened to this master's place in the cluster, one record per event, for an incident's
 * timeline (the master writes them to `logging.eventLog`, docs/ha.md). Each event is also a log line.
 */
export type ClusterEvent =
  | { event: 'instance_registered'; instanceId: string; name: string; incarnation: number }
  | {
      event: 'instance_dead';
      instanceId: string;
      name: string;
      /** The leader that declared it dead and took its jobs over. */
      by: string;
      lastSeenAt: string;
      /** Its running jobs sent back to pending, or failed `interrupted` with no attempts left. */
      jobs: number;
      retried: number;
    }
  | { event: 'leader_elected'; instanceId: string; term: number }
  | { event: 'leader_resigned'; instanceId: string; term: number | null }
  /** This master's lease ran out (it could not renew in time) and another holds it now. */
  | { event: 'leader_expired'; instanceId: string; term: number | null; holder: string | null }
  /** This master found itself declared dead; it registers again as a new incarnation. */
  | { event: 'fenced'; instanceId: string; name: string };
