import { FAVICON_LINK } from '../assets.ts';
import type { PublicRun, PublicSchedule } from '../data/status-data.ts';
import { type Html, h, raw } from '../format/html.ts';
import { absoluteTime, relativeTime } from '../format/time-format.ts';

/** What a run's bar says in words; the colour and the bar's height repeat it, never alone. */
const RUN_WORDS: Record<PublicRun['status'], string> = {
  succeeded: 'succeeded',
  failed: 'failed',
  timed_out: 'timed out',
  missed: 'missed',
  cancelled: 'cancelled',
};

/**
 * The public status page: per public schedule its public name, its recent runs as bars, uptime,
 * last success and next run. A page of its own (no admin navigation, no ids, no task names).
 */
export function statusPage(rows: readonly PublicSchedule[], now: Date): Html {
  return h`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Status</title>
<link rel="stylesheet" href="/ui/assets/app.css">
${raw(FAVICON_LINK)}
</head>
<body>
<header><span class="brand">Status</span></header>
<main id="main">
<h1>Status</h1>
<p class="muted">As of <time datetime="${now.toISOString()}">${absoluteTime(now)}</time>. Each bar is one run, oldest on the left; a short red bar is a run that did not succeed. Also as <a href="/status.json">JSON</a>.</p>
${rows.length === 0 ? h`<p>No schedule is published here.</p>` : rows.map((row) => statusRow(row, now))}
</main>
</body>
</html>`;
}

function statusRow(row: PublicSchedule, now: Date): Html {
  const failures = row.runs.filter((run) => run.status !== 'succeeded' && run.status !== 'cancelled').length;
  const uptime =
    row.uptimePercent === null
      ? 'no runs yet'
      : `${row.uptimePercent} % of the last ${row.runs.length === 1 ? 'run' : `${row.runs.length} runs`} succeeded`;
  return h`<section class="status-row">
<h2>${row.title}</h2>
<p><strong>${uptime}</strong>${failures > 0 ? h` (${failures === 1 ? '1 did not' : `${failures} did not`})` : ''}</p>
${
  row.runs.length === 0
    ? ''
    : h`<ol class="run-bars" aria-label="Recent runs of ${row.title}, oldest first">${row.runs.map(
        (run) =>
          h`<li class="run run-${run.status}" title="${absoluteTime(run.at)}: ${RUN_WORDS[run.status]}"><span class="visually-hidden">${absoluteTime(run.at)}: ${RUN_WORDS[run.status]}</span></li>`,
      )}</ol>`
}
<dl>
<dt>Last success</dt><dd>${row.lastSuccessAt ? timeText(row.lastSuccessAt, now) : row.runs.length === 0 ? 'none yet' : `none in the last ${row.runs.length === 1 ? 'run' : `${row.runs.length} runs`}`}</dd>
<dt>Next run</dt><dd>${nextText(row, now)}</dd>
</dl>
</section>`;
}

function timeText(at: Date, now: Date): Html {
  return h`${relativeTime(at, now)} (<time datetime="${at.toISOString()}">${absoluteTime(at)}</time>)`;
}

function nextText(row: PublicSchedule, now: Date): Html | string {
  if (row.state === 'paused') return 'paused';
  if (row.state === 'finished') return 'none: it ran once';
  if (row.state === 'ended') return 'none';
  return row.nextRunAt ? timeText(row.nextRunAt, now) : 'none';
}
