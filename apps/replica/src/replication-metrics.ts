import type { MetricFamily } from '@schedulezero/http-api';
import type { SupervisedStatus } from './supervised-subscriber.ts';

const STATES = ['idle', 'snapshotting', 'catching_up', 'live', 'closed'] as const;

/** The replica's replication gauges and counters for /metrics, labelled by zone. */
export function replicaMetrics(status: SupervisedStatus): MetricFamily[] {
  const zone = { zone: status.zone };
  const gauge = (name: string, help: string, value: number): MetricFamily => ({
    name,
    type: 'gauge',
    help,
    samples: [[zone, value]],
  });
  const counter = (name: string, help: string, value: number): MetricFamily => ({
    name,
    type: 'counter',
    help,
    samples: [[zone, value]],
  });
  return [
    gauge(
      'schedulezero_replica_applied_seq',
      'The last zone seq applied to this replica.',
      status.appliedSeq,
    ),
    gauge('schedulezero_replica_head_seq', 'The highest zone seq the master has shown.', status.headSeq),
    gauge(
      'schedulezero_replica_lag_changes',
      'Zone seqs known and not applied (headSeq - appliedSeq).',
      status.lagChanges,
    ),
    gauge(
      'schedulezero_replica_lag_seconds',
      'Master-clock age of the oldest change known and not applied; 0 when caught up.',
      status.lagMs / 1000,
    ),
    gauge(
      'schedulezero_replica_connected',
      'Whether the master was heard from recently (1) or not (0).',
      status.connected ? 1 : 0,
    ),
    {
      name: 'schedulezero_replica_state',
      type: 'gauge',
      help: 'The subscriber state (1 for the current one).',
      samples: STATES.map((state) => [{ ...zone, state }, status.state === state ? 1 : 0]),
    },
    counter(
      'schedulezero_replica_gaps_total',
      'Losses detected on the live stream, each repaired by a catch-up.',
      status.gaps,
    ),
    counter('schedulezero_replica_resyncs_total', 'Catch-ups after the first one.', status.resyncs),
    counter(
      'schedulezero_replica_snapshots_total',
      'Snapshots taken, the first one included.',
      status.snapshots,
    ),
    counter('schedulezero_replica_applied_rows_total', 'Change rows applied.', status.appliedRows),
    counter(
      'schedulezero_replica_catch_up_rows_total',
      'Change rows applied from catch-up pages (the rest of applied_rows came from live frames).',
      status.catchUpRows,
    ),
    counter(
      'schedulezero_replica_received_changes_total',
      'Change frames read from the live stream, applied or skipped (heartbeats not counted).',
      status.receivedChanges,
    ),
    counter(
      'schedulezero_replica_dropped_total',
      'Stream frames and replies dropped as malformed or unexpected.',
      status.dropped,
    ),
    counter(
      'schedulezero_replica_master_switches_total',
      'Moves from a silent master to the next of replication.masters.',
      status.masterSwitches,
    ),
    counter(
      'schedulezero_replica_restarts_total',
      'Reconnections after a refused handshake or a long silence.',
      status.restarts,
    ),
  ];
}
