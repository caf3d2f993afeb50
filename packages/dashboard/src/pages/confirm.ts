import type { Schedule } from '@schedulezero/protocol';
import { type Html, h } from '../format/html.ts';
import { plural } from '../format/plural.ts';
import { describeTrigger } from '../format/trigger-words.ts';
import { csrfField, type PageContext } from '../layout.ts';

/**
 * The second step of a delete: nothing is deleted until this form, which carries `confirm=yes`
 * and the version shown, is submitted (a plain form: no script needed).
 */
export function confirmDeletePage(ctx: PageContext, schedule: Schedule): Html {
  const id = encodeURIComponent(schedule.id);
  return h`<h1>Delete schedule ${schedule.id}?</h1>
<p>Schedule <strong>${schedule.id}</strong> (task ${schedule.task}, ${describeTrigger(schedule.trigger)}) will stop firing and be removed. This cannot be undone.</p>
<form method="post" action="/ui/schedules/${id}/delete">
${csrfField(ctx)}
<input type="hidden" name="confirm" value="yes">
<input type="hidden" name="version" value="${schedule.version}">
<div class="actions">
<button type="submit" class="danger">Delete ${schedule.id}</button>
<a class="button secondary" href="/ui/schedules/${id}">Keep it</a>
</div>
</form>`;
}

/** The second step of a bulk delete: the selected ids, listed, submitted again with `confirm=yes`. */
export function confirmBulkDeletePage(ctx: PageContext, ids: string[], q: string): Html {
  return h`<h1>Delete ${plural(ids.length, 'schedule')}?</h1>
<p>These schedules will stop firing and be removed. This cannot be undone.</p>
<ul>${ids.map((id) => h`<li>${id}</li>`)}</ul>
<form method="post" action="/ui/schedules/bulk">
${csrfField(ctx)}
<input type="hidden" name="confirm" value="yes">
<input type="hidden" name="q" value="${q}">
${ids.map((id) => h`<input type="hidden" name="ids" value="${id}">`)}
<div class="actions">
<button type="submit" class="danger" name="action" value="delete">Delete ${plural(ids.length, 'schedule')}</button>
<a class="button secondary" href="/ui/schedules?${new URLSearchParams({ q }).toString()}">Keep them</a>
</div>
</form>`;
}

/** What a bulk action did, when some of it could not be done (a schedule deleted meanwhile…). */
export function bulkResultPage(
  done: string[],
  failed: Array<{ id: string; message: string }>,
  verb: string,
  q: string,
): Html {
  return h`<h1>Not all done</h1>
<p>${plural(done.length, 'schedule')} ${verb}${done.length > 0 ? h`: ${done.join(', ')}` : ''}.</p>
<p class="error">${plural(failed.length, 'schedule')} not ${verb}:</p>
<ul>${failed.map((f) => h`<li>${f.id}: ${f.message}</li>`)}</ul>
<p><a href="/ui/schedules?${new URLSearchParams({ q }).toString()}">Back to schedules</a></p>`;
}

/** Shown above the edit form when the schedule changed after the form was loaded (HTTP 409). */
export function versionConflictNotice(id: string, loaded: number, current: number | undefined): Html {
  return h`<div class="error-summary" role="alert"><p>Not saved: schedule ${id} was changed by someone else after you opened this form.</p>
<p>You edited version ${loaded}${current === undefined ? '' : h`; it is now at version ${current}`}. Your changes are kept below but were not applied. <a href="/ui/schedules/${encodeURIComponent(id)}/edit">Reload the current version</a> (this discards the changes below) and edit again.</p></div>`;
}

export function refusedPage(message: string, back: { href: string; label: string }): Html {
  return h`<h1>Not done</h1><p class="error">${message}</p><p><a href="${back.href}">${back.label}</a></p>`;
}
