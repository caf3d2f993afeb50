import { JOB_STATUSES } from '@schedulezero/protocol';
import { OVERVIEW_MAX_JOBS, type Overview } from '../data/overview-data.ts';
import { type Html, h } from '../format/html.ts';
import { absoluteTime, relativeTime } from '../format/time-format.ts';
import { statusBadge, tableWrap } from '../layout.ts';
import { replicationBody } from './replication.ts';

/**
 * What needs attention at a glance: jobs by status over the last hour and day, the schedules whose
 * last run failed, and the handlers' health (master) or the replication lag (replica).
 */
export function overviewBody(
  overview: Overview,
  replication: Record<string, unknown> | undefined,
  readOnly: boolean,
  now: Date,
): Html {
  const counts = JOB_STATUSES.map(
    (status) =>
      h`<tr><th scope="row">${statusBadge(status)}</th><td>${overview.lastHour[status]}</td><td>${overview.lastDay[status]}</td></tr>`,
  );
  const failing = overview.failing.map(
    (run) =>
      h`<tr><td data-label="Schedule"><a href="/ui/schedules/${encodeURIComponent(run.scheduleId)}">${run.scheduleId}</a></td><td data-label="Last run">${statusBadge(run.status)}${run.errorCode ? h` <span class="muted">${run.errorCode}</span>` : ''}</td><td data-label="Ended">${relativeTime(run.at, now)} <span class="muted">${absoluteTime(run.at)}</span></td></tr>`,
  );
  return h`<h2>Jobs by status</h2>
${overview.truncated ? h`<p class="notice">More than ${OVERVIEW_MAX_JOBS} jobs in the last day: the counts cover the newest ${OVERVIEW_MAX_JOBS}.</p>` : ''}
<div class="table-wrap" tabindex="0" role="region" aria-label="Jobs by status"><table class="counts"><caption class="visually-hidden">Jobs by status</caption>
<thead><tr><th scope="col">Status</th><th scope="col">Last hour</th><th scope="col">Last day</th></tr></thead>
<tbody>${counts}</tbody></table></div>
<h2>Failing schedules</h2>
${tableWrap('Schedules whose last run failed', ['Schedule', 'Last run', 'Ended'], failing, 'No schedule\u2019s last run in the last day failed.', 'cards')}
${readOnly ? h`<h2>Replication</h2>${replicationBody(replication)}` : handlersSummary(overview)}`;
}

function handlersSummary(overview: Overview): Html {
  const { handlers } = overview;
  if (handlers.length === 0)
    return h`<h2>Handlers</h2><p class="muted">No handler worker has registered with this master.</p>`;
  const healthy = handlers.filter((handler) => handler.status === 'healthy').length;
  const rows = handlers
    .filter((handler) => handler.status !== 'healthy')
    .map(
      (handler) =>
        h`<tr><td data-label="Handler">${handler.id}</td><td data-label="Status">${statusBadge(handler.status)}</td></tr>`,
    );
  return h`<h2>Handlers</h2>
<p>${healthy} of ${handlers.length} healthy. <a href="/ui/handlers">All handlers</a></p>
${rows.length === 0 ? '' : tableWrap('Handlers not healthy', ['Handler', 'Status'], rows, '', 'cards')}`;
}
