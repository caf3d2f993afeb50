import type { Job, Schedule } from '@schedulezero/protocol';
import { type Html, h } from '../html.ts';
import { live, type PageContext, textBox } from '../layout.ts';
import { absoluteTime, relativeTime } from '../time-format.ts';
import { describeTrigger } from '../trigger-words.ts';
import { jobsTable } from './history.ts';
import { scheduleActions } from './schedules.ts';

export function scheduleDetailPage(
  ctx: PageContext,
  schedule: Schedule,
  fireTimes: Date[],
  jobs: Job[],
  notice: Html | '' = '',
): Html {
  const id = encodeURIComponent(schedule.id);
  const hasMetadata = Object.keys(schedule.metadata ?? {}).length > 0;
  return h`<h1>Schedule ${schedule.id}</h1>
${notice}
${ctx.readOnly ? '' : scheduleActions(ctx, schedule)}
<h2>Settings</h2>
<dl>
<dt>Task</dt><dd>${schedule.task}</dd>
<dt>Trigger</dt><dd>${describeTrigger(schedule.trigger)}</dd>
<dt>Paused</dt><dd>${schedule.paused ? 'yes' : 'no'}</dd>
<dt>Next run</dt><dd>${schedule.nextRunAt ? `${relativeTime(schedule.nextRunAt, ctx.now)} (${absoluteTime(schedule.nextRunAt)})` : 'none'}</dd>
<dt>Last run</dt><dd>${schedule.lastRunAt ? absoluteTime(schedule.lastRunAt) : 'never'}</dd>
<dt>Version</dt><dd>${schedule.version}</dd>
</dl>
${hasMetadata ? h`<h2>Metadata</h2>${textBox('Metadata', JSON.stringify(schedule.metadata, null, 2))}` : ''}
<h2>Next 10 fire times</h2>
${fireTimes.length === 0 ? h`<p class="muted">No further fire times.</p>` : h`<ol>${fireTimes.map((at) => h`<li><time datetime="${at.toISOString()}">${absoluteTime(at)}</time> <span class="muted">(${relativeTime(at, ctx.now)})</span></li>`)}</ol>`}
<h2>Recent jobs</h2>
${live('schedule-jobs', `/ui/partials/schedules/${id}/jobs`, jobsTable(ctx, jobs, 'Recent jobs of this schedule'))}`;
}
