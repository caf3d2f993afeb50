import { JOB_STATUSES, type Job } from '@schedulezero/protocol';
import { type HistoryFilter, type HistoryPage, historyQuery } from '../data/history-query.ts';
import { type Html, h } from '../format/html.ts';
import { plural } from '../format/plural.ts';
import { absoluteTime, formatDuration, relativeTime } from '../format/time-format.ts';
import { csrfField, live, type PageContext, statusBadge, tableWrap, textBox } from '../layout.ts';

/** Cancel while it is pending or running, re-run once it has finished; none on a replica. */
export function jobActions(ctx: PageContext, job: Job): Html | '' {
  if (ctx.readOnly) return '';
  const id = encodeURIComponent(job.id);
  const active = job.status === 'pending' || job.status === 'running';
  const [action, label, style] = active ? ['cancel', 'Cancel', 'danger'] : ['rerun', 'Re-run', 'secondary'];
  return h`<form class="inline" method="post" action="/ui/jobs/${id}/${action}">${csrfField(ctx)}<button type="submit" class="${style}" aria-label="${label} job ${job.id}">${label}</button></form>`;
}

/** "2 of 3": attempts started of those allowed (0 while the first one waits). */
export function attempts(job: Job): string {
  return `${job.attempt} of ${job.maxAttempts}`;
}

/** A long id (a UUID) cut to its first 8 characters for tables; the full id stays in the link's title. */
export function shortId(id: string): string {
  return id.length > 12 ? `${id.slice(0, 8)}…` : id;
}

/** The error in one short line: its code, and the start of its message where the zone has it. */
function errorSummary(job: Job): string {
  if (!job.error || (job.error.code === '' && job.error.message === '')) return '—';
  const message = job.error.message.length > 60 ? `${job.error.message.slice(0, 60)}…` : job.error.message;
  return [job.error.code, message].filter(Boolean).join(': ');
}

/** A table that becomes one card per row on a phone: each cell carries its column's name. */
export function jobsTable(ctx: PageContext, jobs: Job[], caption: string): Html {
  const { now } = ctx;
  const cell = (label: string, content: unknown) => h`<td data-label="${label}">${content}</td>`;
  const rows = jobs.map(
    (job) => h`<tr>
${cell('Job', h`<a href="/ui/jobs/${encodeURIComponent(job.id)}" title="${job.id}">${shortId(job.id)}</a>`)}
${cell('Schedule', h`<a href="/ui/schedules/${encodeURIComponent(job.scheduleId)}">${job.scheduleId}</a>`)}
${cell('Task', job.task || '—')}
${cell('Status', statusBadge(job.status))}
${cell('Handler', job.handlerId || '—')}
${cell('Scheduled', h`${absoluteTime(job.scheduledAt)} <span class="muted">(${relativeTime(job.scheduledAt, now)})</span>`)}
${cell('Duration', formatDuration(job.durationMs))}
${cell('Attempts', attempts(job))}
${cell('Error', errorSummary(job))}
${ctx.readOnly ? '' : cell('Actions', jobActions(ctx, job))}
</tr>`,
  );
  const head = ['Job', 'Schedule', 'Task', 'Status', 'Handler', 'Scheduled', 'Duration', 'Attempts', 'Error'];
  if (!ctx.readOnly) head.push('Actions');
  return tableWrap(caption, head, rows, 'No jobs yet.', 'cards');
}

export function historyPage(ctx: PageContext, filter: HistoryFilter, history: HistoryPage): Html {
  const text = (name: 'scheduleId' | 'task' | 'handlerId', label: string) =>
    h`<div><label for="${name}">${label}</label><input id="${name}" name="${name}" value="${filter[name]}"></div>`;
  const table = filter.cursor
    ? jobsTable(ctx, history.jobs, 'Executions')
    : live(
        'history-table',
        `/ui/partials/history?${historyQuery(filter)}`,
        jobsTable(ctx, history.jobs, 'Executions, newest first'),
      );
  return h`<h1>History</h1>
<form class="filters" method="get" action="/ui/history">
${text('scheduleId', 'Schedule id')}
${text('task', 'Task')}
<div><label for="status">Status</label><select id="status" name="status">
<option value="">any</option>
${JOB_STATUSES.map((status) => h`<option value="${status}" ${status === filter.status ? h`selected` : ''}>${status}</option>`)}
</select></div>
${text('handlerId', 'Handler')}
<button type="submit">Filter</button>
</form>
${history.scanned > 0 ? h`<p class="muted">Task and handler are matched exactly; ${plural(history.scanned, 'job')} read for this page.</p>` : ''}
${table}
${history.nextCursor ? h`<nav class="pager" aria-label="Pages"><a href="/ui/history?${historyQuery(filter, history.nextCursor)}">Older →</a></nav>` : ''}`;
}

/** Empty defaults stand for fields the zone did not send; they are left out rather than shown. */
function isEmpty(value: unknown): boolean {
  if (value === null || value === undefined || value === '') return true;
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === 'object') return Object.keys(value).length === 0;
  return false;
}

export function jobDetailPage(ctx: PageContext, job: Job): Html {
  const fields: Array<[string, unknown]> = [
    ['Schedule', h`<a href="/ui/schedules/${encodeURIComponent(job.scheduleId)}">${job.scheduleId}</a>`],
    ['Task', job.task],
    ['Status', statusBadge(job.status)],
    ['Scheduled at', absoluteTime(job.scheduledAt)],
    ['Started at', job.startedAt ? absoluteTime(job.startedAt) : '—'],
    ['Finished at', job.finishedAt ? absoluteTime(job.finishedAt) : '—'],
    ['Duration', formatDuration(job.durationMs)],
    ['Attempts', attempts(job)],
  ];
  if (!isEmpty(job.handlerId)) fields.push(['Handler', job.handlerId]);
  if (job.error && !isEmpty(job.error.code)) fields.push(['Error code', job.error.code]);
  const blocks: Html[] = [];
  if (!isEmpty(job.args))
    blocks.push(h`<h2>Arguments</h2>${textBox('Arguments', JSON.stringify(job.args, null, 2))}`);
  if (!isEmpty(job.result))
    blocks.push(h`<h2>Result</h2>${textBox('Result', JSON.stringify(job.result, null, 2))}`);
  if (job.error && !isEmpty(job.error.message))
    blocks.push(h`<h2>Error</h2>${textBox('Error message', job.error.message)}`);
  const actions = jobActions(ctx, job);
  return h`<h1>Job ${job.id}</h1>
${actions ? h`<div class="actions">${actions}</div>` : ''}
<dl>${fields.map(([name, value]) => h`<dt>${name}</dt><dd>${value}</dd>`)}</dl>
${blocks}
${ctx.readOnly ? h`<p class="muted">This replica shows what its zone receives.</p>` : ''}`;
}
