import type { Job, Schedule } from '@schedulezero/protocol';
import type { ReadScheduler } from '@schedulezero/scheduler-core';
import { nextRunText, runState } from '../data/schedule-state.ts';
import { type Html, h } from '../format/html.ts';
import { describeTrigger, triggerExpression } from '../format/trigger-words.ts';
import { csrfField, live, type PageContext, statusBadge, tableWrap } from '../layout.ts';

export const PAGE_SIZE = 25;

export interface ScheduleRow {
  schedule: Schedule;
  last: Job | undefined;
}

export interface ScheduleListing {
  rows: ScheduleRow[];
  nextCursor: string | null;
}

/**
 * One page of schedules. With a search text the store pages are scanned and filtered by id or task
 * (case-insensitive), so a page may hold fewer or somewhat more than PAGE_SIZE matches.
 */
export async function loadSchedules(reads: ReadScheduler, q: string, cursor: string | undefined) {
  const needle = q.trim().toLowerCase();
  const found: Schedule[] = [];
  let next: string | null = cursor ?? null;
  let first = true;
  while ((first || next !== null) && found.length < PAGE_SIZE) {
    first = false;
    const page = await reads.listSchedules({ limit: PAGE_SIZE, cursor: next ?? undefined });
    next = page.nextCursor;
    for (const item of page.items) {
      if (needle === '' || item.id.toLowerCase().includes(needle) || item.task.toLowerCase().includes(needle))
        found.push(item);
    }
    if (needle === '') break;
  }
  const rows = await Promise.all(
    found.map(async (schedule) => {
      const jobs = await reads.listJobs({ limit: 1, scheduleId: schedule.id });
      return { schedule, last: jobs.items[0] };
    }),
  );
  return { rows, nextCursor: next } satisfies ScheduleListing;
}

export function schedulesTable(ctx: PageContext, listing: ScheduleListing, q: string, src: string): Html {
  const rows = listing.rows.map(({ schedule, last }) => {
    return h`<tr>
${ctx.readOnly ? '' : h`<td><input type="checkbox" name="ids" value="${schedule.id}" form="bulk" aria-label="Select ${schedule.id}"></td>`}
<td><a href="/ui/schedules/${encodeURIComponent(schedule.id)}">${schedule.id}</a></td>
<td>${schedule.task}</td>
<td>${describeTrigger(schedule.trigger)}<br><code>${triggerExpression(schedule.trigger)}</code></td>
<td>${nextRunText(schedule, ctx.now)}</td>
<td>${last ? h`<a href="/ui/jobs/${encodeURIComponent(last.id)}">${statusBadge(last.status)}</a>` : h`<span class="muted">never ran</span>`}</td>
<td>${schedule.paused ? statusBadge('paused') : 'no'}</td>
${ctx.readOnly ? '' : h`<td>${scheduleActions(ctx, schedule)}</td>`}
</tr>`;
  });
  const head = ctx.readOnly
    ? ['ID', 'Task', 'Trigger', 'Next run', 'Last result', 'Paused']
    : ['Select', 'ID', 'Task', 'Trigger', 'Next run', 'Last result', 'Paused', 'Actions'];
  const more = listing.nextCursor
    ? h`<nav class="pager" aria-label="Pages"><a href="/ui/schedules?${new URLSearchParams({ q, cursor: listing.nextCursor }).toString()}">Next page →</a></nav>`
    : '';
  return live(
    'schedules-table',
    src,
    h`${tableWrap('Schedules', head, rows, q ? `No schedule matches “${q}”.` : 'No schedules yet.')}${more}`,
  );
}

export function scheduleActions(ctx: PageContext, schedule: Schedule): Html {
  const id = encodeURIComponent(schedule.id);
  const button = (action: string, label: string, style = '') =>
    h`<form class="inline" method="post" action="/ui/schedules/${id}/${action}">${csrfField(ctx)}<button type="submit" class="${style}" aria-label="${label} ${schedule.id}">${label}</button></form>`;
  const state = runState(schedule).kind;
  // A one-shot that has fired (or a trigger past its end) has nothing left to pause.
  const pauseOrResume =
    state === 'paused'
      ? button('resume', 'Resume')
      : state === 'next'
        ? button('pause', 'Pause', 'secondary')
        : h`<span class="muted">${state === 'finished' ? 'finished' : 'ended'}</span>`;
  return h`<div class="actions">
${pauseOrResume}
${button('run', 'Run now', 'secondary')}
<a class="button secondary" href="/ui/schedules/${id}/edit" aria-label="Edit ${schedule.id}">Edit</a>
<a class="button secondary" href="/ui/schedules/${id}/clone" aria-label="Clone ${schedule.id}">Clone</a>
${button('delete', 'Delete…', 'danger')}
</div>`;
}

export function schedulesPage(ctx: PageContext, listing: ScheduleListing, q: string, cursor: string): Html {
  const query = new URLSearchParams({ q, ...(cursor ? { cursor } : {}) }).toString();
  return h`<h1>Schedules</h1>
<form class="filters" method="get" action="/ui/schedules" role="search">
<div><label for="q">Search by id or task</label><input id="q" name="q" type="search" value="${q}"></div>
<button type="submit">Search</button>
${ctx.readOnly ? '' : h`<a class="button" href="/ui/schedules/new">New schedule</a>`}
</form>
${ctx.readOnly ? '' : bulkForm(ctx, q)}
${schedulesTable(ctx, listing, q, `/ui/partials/schedules?${query}`)}`;
}

/**
 * Acts on the rows ticked in the table below (their checkboxes belong to this form by its id, as
 * each row also holds forms of its own). A delete asks for confirmation first.
 */
function bulkForm(ctx: PageContext, q: string): Html {
  return h`<form id="bulk" class="filters" method="post" action="/ui/schedules/bulk" aria-label="Selected schedules">
${csrfField(ctx)}<input type="hidden" name="q" value="${q}">
<span>With the selected schedules:</span>
<button type="submit" name="action" value="pause" class="secondary">Pause selected</button>
<button type="submit" name="action" value="resume" class="secondary">Resume selected</button>
<button type="submit" name="action" value="delete" class="danger">Delete selected…</button>
</form>`;
}
