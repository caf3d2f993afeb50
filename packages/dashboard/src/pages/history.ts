import { JOB_STATUSES, type Job } from '@schedulezero/protocol';
import { type Html, h } from '../html.ts';
import { csrfField, live, type PageContext, statusBadge, tableWrap, textBox } from '../layout.ts';
import { absoluteTime, formatDuration, relativeTime } from '../time-format.ts';

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

export function jobsTable(ctx: PageContext, jobs: Job[], caption: string): Html {
  const { now } = ctx;
  const rows = jobs.map(
    (job) => h`<tr>
<td><a href="/ui/jobs/${encodeURIComponent(job.id)}">${job.id}</a></td>
<td><a href="/ui/schedules/${encodeURIComponent(job.scheduleId)}">${job.scheduleId}</a></td>
<td>${statusBadge(job.status)}</td>
<td>${absoluteTime(job.scheduledAt)} <span class="muted">(${relativeTime(job.scheduledAt, now)})</span></td>
<td>${formatDuration(job.durationMs)}</td>
<td>${attempts(job)}</td>
${ctx.readOnly ? '' : h`<td>${jobActions(ctx, job)}</td>`}
</tr>`,
  );
  const head = ['Job', 'Schedule', 'Status', 'Scheduled', 'Duration', 'Attempts'];
  if (!ctx.readOnly) head.push('Actions');
  return tableWrap(caption, head, rows, 'No jobs yet.');
}

export interface HistoryFilter {
  scheduleId: string;
  status: string;
  cursor: string;
}

export function historyPage(
  ctx: PageContext,
  filter: HistoryFilter,
  jobs: Job[],
  nextCursor: string | null,
): Html {
  const query = new URLSearchParams({ scheduleId: filter.scheduleId, status: filter.status });
  return h`<h1>History</h1>
<form class="filters" method="get" action="/ui/history">
<div><label for="scheduleId">Schedule id</label><input id="scheduleId" name="scheduleId" value="${filter.scheduleId}"></div>
<div><label for="status">Status</label><select id="status" name="status">
<option value="">any</option>
${JOB_STATUSES.map((status) => h`<option value="${status}" ${status === filter.status ? h`selected` : ''}>${status}</option>`)}
</select></div>
<button type="submit">Filter</button>
</form>
${filter.cursor ? jobsTable(ctx, jobs, 'Executions') : live('history-table', `/ui/partials/history?${query.toString()}`, jobsTable(ctx, jobs, 'Executions, newest first'))}
${nextCursor ? h`<nav class="pager" aria-label="Pages"><a href="/ui/history?${new URLSearchParams({ scheduleId: filter.scheduleId, status: filter.status, cursor: nextCursor }).toString()}">Older →</a></nav>` : ''}`;
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
