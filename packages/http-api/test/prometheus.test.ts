import { describe, expect, it } from 'vitest';
import { renderPrometheus } from '../src/prometheus.ts';

describe('renderPrometheus', () => {
  it('writes gauges and a cumulative histogram in the text exposition format', () => {
    const text = renderPrometheus({
      node: 'm"1',
      uptimeSeconds: 12.5,
      stats: {
        schedules: { total: 5, paused: 2 },
        jobs: { pending: 1, running: 0, succeeded: 7, failed: 2, timed_out: 0, cancelled: 0, missed: 1 },
        running: 0,
        lateness: {
          count: 3,
          sumMs: 1500,
          buckets: [
            { leMs: 5, count: 1 },
            { leMs: 1000, count: 3 },
          ],
        },
        throttled: [{ task: 'send_email', limit: 'rate', count: 4 }],
      },
      extra: [
        {
          name: 'schedulezero_link_frames_dropped_total',
          type: 'counter',
          help: 'Dropped.',
          samples: [[{ reason: 'malformed' }, 2]],
        },
      ],
      handlers: [{ status: 'healthy' }, { status: 'healthy' }, { status: 'offline' }] as never,
    });
    expect(text).toContain('schedulezero_up{node="m\\"1"} 1\n');
    expect(text).toContain('schedulezero_jobs{status="succeeded"} 7\n');
    expect(text).toContain(
      'schedulezero_schedules{state="active"} 3\nschedulezero_schedules{state="paused"} 2\n',
    );
    expect(text).toContain('schedulezero_handlers{status="healthy"} 2\n');
    expect(text).toContain('schedulezero_handlers{status="offline"} 1\n');
    expect(text).toContain('schedulezero_throttled_total{task="send_email",limit="rate"} 4\n');
    expect(text).toContain(
      '# TYPE schedulezero_link_frames_dropped_total counter\nschedulezero_link_frames_dropped_total{reason="malformed"} 2\n',
    );
    expect(text).toContain(
      [
        '# TYPE schedulezero_fire_lateness_seconds histogram',
        'schedulezero_fire_lateness_seconds_bucket{le="0.005"} 1',
        'schedulezero_fire_lateness_seconds_bucket{le="1"} 3',
        'schedulezero_fire_lateness_seconds_bucket{le="+Inf"} 3',
        'schedulezero_fire_lateness_seconds_sum 1.5',
        'schedulezero_fire_lateness_seconds_count 3',
      ].join('\n'),
    );
    // Every sample line is `name{labels} value`, every metric has HELP and TYPE.
    for (const line of text.trim().split('\n'))
      expect(line).toMatch(/^(# (HELP|TYPE) \w+ .+|\w+(\{.*\})? [\d.+Inf-]+)$/);
  });
});
