import type { HandlerLinkStats } from '@schedulezero/handler-link';
import type { MetricFamily } from '@schedulezero/http-api';

/** Prometheus families of the handler link: frames received and dropped, send errors, dispatch counters. */
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
  ];
}

/** Refused ZeroMQ handshakes, by ZAP domain (the handler link, each zone's stream). */
export function zapMetrics(rejections: ReadonlyMap<string, number>): MetricFamily[] {
  return [
    {
      name: 'schedulezero_zeromq_connections_refused_total',
      type: 'counter',
      help: 'ZeroMQ handshakes the ZAP handler refused (unknown key, plaintext, wrong domain), by domain.',
      samples: [...rejections].map(([domain, count]) => [{ domain }, count]),
    },
  ];
}
