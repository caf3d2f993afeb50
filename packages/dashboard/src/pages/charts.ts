import { JOB_STATUSES } from '@schedulezero/protocol';
import type { ChartData } from '../data/chart-data.ts';
import { type Html, h } from '../format/html.ts';
import { plural } from '../format/plural.ts';
import { formatDuration } from '../format/time-format.ts';

const COLORS: Record<string, string> = {
  succeeded: '#1b6e20',
  failed: '#b00020',
  timed_out: '#7a1fa2',
  cancelled: '#5d4037',
  missed: '#a86500',
  running: '#0b4f9c',
  pending: '#607d8b',
};
const W = 720;
const H = 200;
const PAD = 36;

function axisLabels(data: ChartData): Html {
  const first = data.minutes[0];
  const last = data.minutes.at(-1);
  const time = (d: Date | undefined) => (d ? d.toISOString().slice(11, 16) : '');
  return h`<text x="${PAD}" y="${H - 6}" font-size="11" fill="#333">${time(first)}Z</text>
<text x="${W - PAD}" y="${H - 6}" font-size="11" fill="#333" text-anchor="end">${time(last)}Z</text>`;
}

export function jobsPerMinuteChart(data: ChartData): Html {
  const totals = data.perMinute.map((b) => Object.values(b).reduce((s, n) => s + (n ?? 0), 0));
  const max = Math.max(1, ...totals);
  const step = (W - 2 * PAD) / data.minutes.length;
  const bars = data.perMinute.flatMap((bucket, i) => {
    let y = H - PAD;
    return JOB_STATUSES.flatMap((status) => {
      const n = bucket[status] ?? 0;
      if (n === 0) return [];
      const height = (n / max) * (H - 2 * PAD);
      y -= height;
      return [
        h`<rect x="${(PAD + i * step).toFixed(1)}" y="${y.toFixed(1)}" width="${Math.max(1, step - 1).toFixed(1)}" height="${height.toFixed(1)}" fill="${COLORS[status]}"><title>${status}: ${n}</title></rect>`,
      ];
    });
  });
  const total = totals.reduce((s, n) => s + n, 0);
  return h`<figure>
<svg class="chart" viewBox="0 0 ${W} ${H}" role="img" aria-label="Jobs per minute by status over the last hour: ${plural(total, 'job')}, at most ${max === 1 && total === 0 ? 0 : max} in a minute">
<line x1="${PAD}" y1="${H - PAD}" x2="${W - PAD}" y2="${H - PAD}" stroke="#666"/>
<text x="4" y="${PAD}" font-size="11" fill="#333">${max}</text>
${bars}${axisLabels(data)}
</svg>
<figcaption><ul class="legend">${JOB_STATUSES.map((s) => h`<li><span style="background:${COLORS[s]}"></span>${s.replace('_', ' ')}</li>`)}</ul></figcaption>
</figure>`;
}

export function latenessChart(data: ChartData): Html {
  const values = data.lateness.map((b) => b?.maxMs ?? 0);
  const max = Math.max(1, ...values);
  const step = (W - 2 * PAD) / data.minutes.length;
  const point = (ms: number, i: number) =>
    `${(PAD + i * step + step / 2).toFixed(1)},${(H - PAD - (ms / max) * (H - 2 * PAD)).toFixed(1)}`;
  const avg = data.lateness.flatMap((b, i) => (b ? [point(b.avgMs, i)] : []));
  const peak = data.lateness.flatMap((b, i) => (b ? [point(b.maxMs, i)] : []));
  return h`<figure>
<svg class="chart" viewBox="0 0 ${W} ${H}" role="img" aria-label="Fire lateness per minute over the last hour, at most ${formatDuration(max)}">
<line x1="${PAD}" y1="${H - PAD}" x2="${W - PAD}" y2="${H - PAD}" stroke="#666"/>
<text x="4" y="${PAD}" font-size="11" fill="#333">${formatDuration(max)}</text>
<polyline points="${peak.join(' ')}" fill="none" stroke="#b00020" stroke-width="2"/>
<polyline points="${avg.join(' ')}" fill="none" stroke="#0b4f9c" stroke-width="2"/>
${peak.map((xy) => h`<circle cx="${xy.split(',')[0]}" cy="${xy.split(',')[1]}" r="3" fill="#b00020"/>`)}
${avg.map((xy) => h`<circle cx="${xy.split(',')[0]}" cy="${xy.split(',')[1]}" r="3" fill="#0b4f9c"/>`)}
${axisLabels(data)}
</svg>
<figcaption><ul class="legend"><li><span style="background:#0b4f9c"></span>average</li><li><span style="background:#b00020"></span>maximum</li></ul></figcaption>
</figure>`;
}

export function handlerLoadChart(data: ChartData): Html {
  if (data.perHandler.length === 0)
    return h`<p class="muted">No handler data in the last hour (a zone that receives no handler ids shows none).</p>`;
  const max = Math.max(1, ...data.perHandler.map((e) => e.jobs));
  const rowH = 26;
  const height = data.perHandler.length * rowH + 10;
  return h`<svg class="chart" viewBox="0 0 ${W} ${height}" role="img" aria-label="Jobs per handler over the last hour">
${data.perHandler.map((entry, i) => {
  const width = (entry.jobs / max) * (W - 260);
  const y = 5 + i * rowH;
  return h`<text x="4" y="${y + 16}" font-size="12" fill="#1a1a1a">${entry.handlerId}</text>
<rect x="180" y="${y + 3}" width="${width.toFixed(1)}" height="${rowH - 8}" fill="#0b4f9c"/>
<text x="${(186 + width).toFixed(1)}" y="${y + 16}" font-size="12" fill="#1a1a1a">${plural(entry.jobs, 'job')}, ${formatDuration(entry.busyMs)} busy</text>`;
})}
</svg>`;
}

export function chartsBody(data: ChartData): Html {
  return h`<h2>Jobs per minute by status</h2>${jobsPerMinuteChart(data)}
<h2>Fire lateness</h2>${latenessChart(data)}
<h2>Load per handler</h2>${handlerLoadChart(data)}
${data.truncated ? h`<p class="muted">Only the newest 5000 jobs are charted.</p>` : ''}`;
}
