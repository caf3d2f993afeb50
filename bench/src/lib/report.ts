import { type Spread, spread } from './stats.ts';
import { barChart, formatNumber } from './svg-chart.ts';
import type { RunResult, Workload } from './types.ts';

/** Median, min and max of every metric of every system across runs. */
export function aggregate(runs: readonly RunResult[]): Record<string, Record<string, Spread>> {
  const out: Record<string, Record<string, Spread>> = {};
  const systems = [...new Set(runs.flatMap((run) => Object.keys(run)))];
  for (const system of systems) {
    const keys = [...new Set(runs.flatMap((run) => Object.keys(run[system] ?? {})))];
    out[system] = Object.fromEntries(
      keys.map((key) => [key, spread(runs.map((run) => run[system]?.[key] ?? Number.NaN))]),
    );
  }
  return out;
}

export function medians(agg: Record<string, Record<string, Spread>>): RunResult {
  return Object.fromEntries(
    Object.entries(agg).map(([system, metrics]) => [
      system,
      Object.fromEntries(Object.entries(metrics).map(([key, s]) => [key, s.median])),
    ]),
  );
}

function cell(s: Spread | undefined): string {
  if (!s || s.runs === 0) return '–';
  if (s.runs === 1 || s.min === s.max) return formatNumber(s.median);
  return `${formatNumber(s.median)} (${formatNumber(s.min)}–${formatNumber(s.max)})`;
}

export interface WorkloadReport {
  markdown: string;
  svg: string;
}

export function reportWorkload(
  workload: Workload,
  runs: readonly RunResult[],
  smoke: boolean,
  failures: readonly string[],
): WorkloadReport {
  const agg = aggregate(runs);
  const systems = Object.keys(agg);
  const metrics = workload.metrics.filter((m) => systems.some((s) => agg[s]?.[m.key]));
  const lines = [`## ${workload.title}`, '', workload.describe(smoke), ''];
  if (systems.length > 0) {
    lines.push(
      `| system | ${metrics.map((m) => `${m.label} (${m.unit})`).join(' | ')} |`,
      `|---|${metrics.map(() => '---:').join('|')}|`,
      ...systems.map(
        (system) => `| ${system} | ${metrics.map((m) => cell(agg[system]?.[m.key])).join(' | ')} |`,
      ),
      '',
      `Median of ${runs.length} run${runs.length === 1 ? '' : 's'} (min–max in brackets).`,
    );
  }
  const appendix = workload.appendix?.();
  if (appendix) lines.push('', appendix);
  const chart = workload.metrics.find((m) => m.key === workload.chartMetric);
  const ratioBase = systems.find((s) => s.startsWith('ScheduleZero'));
  if (chart && ratioBase) {
    const base = agg[ratioBase]?.[chart.key]?.median ?? Number.NaN;
    const ratios = systems
      .filter((s) => !s.startsWith('ScheduleZero') && Number.isFinite(agg[s]?.[chart.key]?.median))
      .map((s) => {
        const other = agg[s]?.[chart.key]?.median ?? Number.NaN;
        const ratio = chart.better === 'higher' ? base / other : other / base;
        return `${s} ${formatNumber(ratio)}×`;
      });
    if (ratios.length > 0)
      lines.push(
        '',
        `${ratioBase} vs peers on ${chart.label} (>1 = ScheduleZero better): ${ratios.join(', ')}.`,
      );
  }
  const med = medians(agg);
  if (workload.targets.length > 0 && !smoke) {
    lines.push('', '| target | measured | met |', '|---|---|---|');
    for (const target of workload.targets) {
      const { met, measured } = target.check(med);
      lines.push(`| ${target.label} | ${measured} | ${met ? 'yes' : '**no**'} |`);
    }
  }
  if (failures.length > 0) lines.push('', ...failures.map((f) => `- failed run: ${f}`));
  lines.push('', `![${workload.title}](${workload.name}.svg)`, '');
  const svg = chart
    ? barChart(
        workload.title,
        `${chart.label} (${chart.unit}), ${chart.better} is better; median of ${runs.length}, whiskers min–max`,
        systems.map((s) => {
          const value = agg[s]?.[chart.key];
          return { label: s, value: value?.median ?? Number.NaN, min: value?.min, max: value?.max };
        }),
      )
    : '';
  return { markdown: lines.join('\n'), svg };
}
