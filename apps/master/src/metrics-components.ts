import type { HandlerLinkStats } from '@schedulezero/handler-link';
import type { MetricFamily } from '@schedulezero/http-api';
import type { PublisherStats } from '@schedulezero/replication';

/** Prometheus families of the handler link: frames received and dropped, send errors, dispatch counters, per-handler throttling. */
export function linkMetrics(stats: HandlerLinkStats): MetricFamily[] {
  const { waiting, inflight, ...counters } = stats.jobs;
  return [
    {
      name: 'schedulezero_link_frames_received_total',
      type: 'counter',
      help: 'Frames received on the handler link.',
      samples: [[{}, stats.frames.received]],
    },
    {
      name: 'schedulezero_link_frames_dropped_total',
      type: 'counter',
      help: 'Frames dropped on the handler link (malformed, truncated, oversized, unknown version, ...), by reason.',
      samples: Object.entries(stats.frames.dropped).map(([reason, count]) => [{ reason }, count]),
    },
    {
      name: 'schedulezero_link_send_errors_total',
      type: 'counter',
      help: 'Failed sends to handlers, by error code.',
      samples: Object.entries(stats.sendErrors).map(([code, count]) => [{ code }, count]),
    },
    {
      name: 'schedulezero_link_jobs_total',
      type: 'counter',
      help: 'Jobs through the handler link, by event.',
      samples: Object.entries(counters).map(([event, count]) => [{ event }, count]),
    },
    {
      name: 'schedulezero_link_jobs',
      type: 'gauge',
      help: 'Jobs waiting for a handler and in flight on handlers.',
      samples: [
        [{ state: 'waiting' }, waiting],
        [{ state: 'inflight' }, inflight],
      ],
    },
    {
      // Beside schedulezero_throttled_total{task,limit}: the same count for governors.handler/perHandler.
      name: 'schedulezero_handler_throttled_total',
      type: 'counter',
      help: 'How often a handler limit (governors.handler, governors.perHandler) held back work the handler had capacity for, by handler and limit.',
      samples: stats.throttled.map(({ handlerId, limit, count }) => [{ handler: handlerId, limit }, count]),
    },
  ];
}

/** Refused ZeroMQ handshakes, by ZAP domain (the handler link, each zone's stream). */
export function refusedHandshakeMetrics(rejections: ReadonlyMap<string, number>): MetricFamily[] {
  return [
    {
      name: 'schedulezero_zeromq_connections_refused_total',
      type: 'counter',
      help: 'ZeroMQ handshakes refused (key not allowed, plaintext client, wrong server key), by domain.',
      samples: [...rejections].map(([domain, count]) => [{ domain }, count]),
    },
  ];
}

/** Per zone: the head of its stream, what was published and served, and what was dropped. */
export function replicationMetrics(stats: PublisherStats): MetricFamily[] {
  const perZone = (pick: (zone: PublisherStats['zones'][number]) => number) =>
    stats.zones.map((zone): [Record<string, string>, number] => [{ zone: zone.zone }, pick(zone)]);
  return [
    {
      name: 'schedulezero_replication_head_seq',
      type: 'gauge',
      help: 'The last change-log seq published on the zone stream.',
      samples: perZone((zone) => zone.publishedSeq),
    },
    {
      name: 'schedulezero_replication_subscribers',
      type: 'gauge',
      help: 'Subscribers connected to the zone stream.',
      samples: perZone((zone) => zone.subscribers),
    },
    {
      name: 'schedulezero_replication_published_total',
      type: 'counter',
      help: 'Changes published on the zone stream.',
      samples: perZone((zone) => zone.published),
    },
    {
      name: 'schedulezero_replication_sync_requests_total',
      type: 'counter',
      help: 'Catch-up requests served.',
      samples: perZone((zone) => zone.syncRequests),
    },
    {
      name: 'schedulezero_replication_snapshots_total',
      type: 'counter',
      help: 'Snapshots read for replicas.',
      samples: perZone((zone) => zone.snapshotsRead),
    },
    {
      name: 'schedulezero_replication_dropped_total',
      type: 'counter',
      help: 'Requests dropped (malformed, unknown version, busy), by zone and reason.',
      samples: stats.zones.flatMap((zone) =>
        Object.entries(zone.dropped).map(([reason, count]): [Record<string, string>, number] => [
          { zone: zone.zone, reason },
          count,
        ]),
      ),
    },
  ];
}
