import { HANDLER_STATUSES, type HandlerRecord, JOB_STATUSES } from '@schedulezero/protocol';
import type { SchedulerStats } from '@schedulezero/scheduler-core';

/**
 * Prometheus text exposition (format 0.0.4) for a handful of gauges and one histogram. Written by
 * hand: prom-client would add a global registry and default process metrics to keep in sync with
 * values the store already counts, for no gain at this size.
 */

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** A metric the node's components add (handler link, ZAP handler): name, type, help and samples. */
export interface MetricFamily {
  name: string;
  type: 'counter' | 'gauge';
  help: string;
  samples: Array<[Record<string, string>, number]>;
}

export interface MetricsInput {
  stats: SchedulerStats;
  handlers: readonly HandlerRecord[];
  node: string;
  uptimeSeconds: number;
  extra?: readonly MetricFamily[];
}

export function renderPrometheus({ stats, handlers, node, uptimeSeconds, extra = [] }: MetricsInput): string {
  const lines: string[] = [];
  const metric = (
    name: string,
    type: string,
    help: string,
    samples: Array<[Record<string, string>, number]>,
  ) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of samples) lines.push(`${name}${formatLabels(labels)} ${formatValue(value)}`);
  };

  metric('schedulezero_up', 'gauge', 'Whether the node serves (always 1 when scraped).', [[{ node }, 1]]);
  metric('schedulezero_uptime_seconds', 'gauge', 'Seconds since the process started.', [[{}, uptimeSeconds]]);
  metric(
    'schedulezero_jobs',
    'gauge',
    'Jobs in the database by status.',
    JOB_STATUSES.map((status) => [{ status }, stats.jobs[status] ?? 0]),
  );
  metric('schedulezero_jobs_running_local', 'gauge', 'Jobs executing in this process now.', [
    [{}, stats.running],
  ]);
  metric('schedulezero_schedules', 'gauge', 'Schedules by state.', [
    [{ state: 'active' }, stats.schedules.total - stats.schedules.paused],
    [{ state: 'paused' }, stats.schedules.paused],
  ]);
  metric(
    'schedulezero_handlers',
    'gauge',
    'Registered handlers by status.',
    HANDLER_STATUSES.map((status) => [
      { status },
      handlers.filter((handler) => handler.status === status).length,
    ]),
  );

  metric(
    'schedulezero_throttled_total',
    'counter',
    'How often a governor limit held back work an executor could have taken.',
    stats.throttled.map(({ task, limit, count }) => [{ task, limit }, count]),
  );
  for (const family of extra) metric(family.name, family.type, family.help, family.samples);

  const name = 'schedulezero_fire_lateness_seconds';
  lines.push(
    `# HELP ${name} Delay between a fire time and the start of its job (first attempts started by this process).`,
    `# TYPE ${name} histogram`,
  );
  for (const bucket of stats.lateness.buckets) {
    lines.push(`${name}_bucket${formatLabels({ le: formatValue(bucket.leMs / 1000) })} ${bucket.count}`);
  }
  lines.push(`${name}_bucket{le="+Inf"} ${stats.lateness.count}`);
  lines.push(`${name}_sum ${formatValue(stats.lateness.sumMs / 1000)}`);
  lines.push(`${name}_count ${stats.lateness.count}`);
  return `${lines.join('\n')}\n`;
}

function formatLabels(labels: Record<string, string>): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return '';
  return `{${entries.map(([key, value]) => `${key}="${escapeLabel(value)}"`).join(',')}}`;
}

function escapeLabel(value: string): string {
  return value.replaceAll('\\', '\\\\').replaceAll('\n', '\\n').replaceAll('"', '\\"');
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf';
  return String(value);
}
