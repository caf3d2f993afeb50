import type { Job, Schedule } from '@schedulezero/protocol';
import { lastRunOf, nextRunText, zoneOf } from '../data/schedule-state.ts';
import { type Html, h } from '../format/html.ts';
import { plural } from '../format/plural.ts';
import { relativeTime, timeInZone } from '../format/time-format.ts';
import { describeTrigger, triggerExpression } from '../format/trigger-words.ts';
import { live, type PageContext, textBox } from '../layout.ts';
import { jobsTable } from './history.ts';
import { scheduleActions } from './schedules.ts';

/** Placeholders of fields a replica's zone did not receive ("", 0, {}) are left out, not shown. */
function received(value: unknown): boolean {
  if (value === null || value === undefined || value === '' || value === 0) return false;
  return typeof value !== 'object' || Object.keys(value).length > 0;
}

/** Every setting of the schedule, in words where words help. */
function settings(ctx: PageContext, schedule: Schedule, jobs: Job[]): Array<[string, Html | string]> {
  const { retry, target } = schedule;
  const last = lastRunOf(schedule, jobs);
  const zone = zoneOf(schedule);
  const rows: Array<[string, Html | string | undefined]> = [
    ['Task', schedule.task],
    [
      'Trigger',
      h`${describeTrigger(schedule.trigger)}<br><code>${triggerExpression(schedule.trigger)}</code>`,
    ],
    ['State', schedule.paused ? 'paused' : 'active'],
    ['Next run', nextRunText(schedule, ctx.now)],
    ['Last run', last ? `${relativeTime(last, ctx.now)} (${timeInZone(last, zone)})` : 'never'],
    [
      'Retry',
      received(retry?.maxAttempts)
        ? retry.maxAttempts === 1
          ? 'none (1 attempt)'
          : `up to ${plural(retry.maxAttempts, 'attempt')}, waiting ${retry.backoffMs} ms × ${retry.backoffFactor} per retry`
        : undefined,
    ],
    ['Timeout', received(schedule.timeoutSeconds) ? `${schedule.timeoutSeconds} s` : undefined],
    [
      'Target',
      target && (received(target.zone) || received(target.tags) || received(target.affinityKey))
        ? [
            target.zone ? `zone ${target.zone}` : '',
            received(target.tags) ? `tags ${target.tags.join(', ')}` : '',
            target.affinityKey ? `affinity key ${target.affinityKey}` : '',
          ]
            .filter(Boolean)
            .join('; ')
        : ctx.readOnly
          ? undefined
          : 'any handler that offers the task',
    ],
    ['Coalesce', received(schedule.coalesce) ? schedule.coalesce : undefined],
    [
      'Misfire grace',
      ctx.readOnly && !received(schedule.misfireGraceSeconds)
        ? undefined
        : `${schedule.misfireGraceSeconds} s`,
    ],
    ['Max instances', received(schedule.maxInstances) ? String(schedule.maxInstances) : undefined],
    ['Version', String(schedule.version)],
  ];
  return rows.filter((row): row is [string, Html | string] => row[1] !== undefined);
}

export function scheduleDetailPage(
  ctx: PageContext,
  schedule: Schedule,
  fireTimes: Date[],
  jobs: Job[],
  notice: Html | '' = '',
): Html {
  const id = encodeURIComponent(schedule.id);
  const zone = zoneOf(schedule);
  const hasMetadata = received(schedule.metadata);
  const args = received(schedule.args)
    ? textBox('Arguments', JSON.stringify(schedule.args, null, 2))
    : ctx.readOnly
      ? ''
      : h`<p class="muted">none</p>`;
  return h`<h1>Schedule ${schedule.id}</h1>
${notice}
${ctx.readOnly ? '' : scheduleActions(ctx, schedule)}
<h2>Settings</h2>
<dl>${settings(ctx, schedule, jobs).map(([name, value]) => h`<dt>${name}</dt><dd>${value}</dd>`)}</dl>
${args ? h`<h2>Arguments</h2>${args}` : ''}
${hasMetadata ? h`<h2>Metadata</h2>${textBox('Metadata', JSON.stringify(schedule.metadata, null, 2))}` : ''}
<h2>Next 10 fire times</h2>
${schedule.paused ? h`<p class="muted">Paused: these are the times it would fire once resumed.</p>` : ''}
${fireTimes.length === 0 ? h`<p class="muted">No further fire times.</p>` : h`<ol>${fireTimes.map((at) => h`<li><time datetime="${at.toISOString()}">${timeInZone(at, zone)}</time> <span class="muted">(${relativeTime(at, ctx.now)})</span></li>`)}</ol>`}
<h2>Recent jobs</h2>
${live('schedule-jobs', `/ui/partials/schedules/${id}/jobs`, jobsTable(ctx, jobs, 'Recent jobs of this schedule'))}`;
}
