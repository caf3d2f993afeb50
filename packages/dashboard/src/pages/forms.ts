import { type Html, h } from '../html.ts';
import { csrfField, type PageContext } from '../layout.ts';
import { absoluteTime } from '../time-format.ts';

export function loginPage(next: string, error: string | undefined): Html {
  return h`<h1>Log in</h1>
<p>Use an API token of this master (the same token as for <code>Authorization: Bearer</code>).</p>
${error ? h`<p class="error" role="alert">${error}</p>` : ''}
<form method="post" action="/ui/login">
<input type="hidden" name="next" value="${next}">
<div class="field"><label for="token">API token</label><input id="token" name="token" type="password" autocomplete="current-password" required></div>
<button type="submit">Log in</button>
</form>`;
}

export interface ScheduleFormValues {
  id: string;
  task: string;
  triggerType: string;
  expression: string;
  timezone: string;
  seconds: string;
  at: string;
  args: string;
  paused: boolean;
}

export const EMPTY_FORM: ScheduleFormValues = {
  id: '',
  task: '',
  triggerType: 'cron',
  expression: '0 9 * * *',
  timezone: 'UTC',
  seconds: '60',
  at: '',
  args: '{}',
  paused: false,
};

export function previewBlock(fireTimes: Date[] | undefined, words: string, error: string | undefined): Html {
  return h`<div id="preview" aria-live="polite">
${error ? h`<p class="error">${error}</p>` : ''}
${fireTimes ? h`<p><strong>${words}</strong></p><ol>${fireTimes.map((at) => h`<li>${absoluteTime(at)}</li>`)}</ol>` : ''}
</div>`;
}

/** Shown on a schedule's page after the form created it for a task no handler offers. */
export function noHandlerNotice(task: string): Html {
  return h`<p class="error" role="status">Created, but no handler offers the task “${task}”: no local handler and no registered worker has it. Check its name; its jobs fail with <code>no_handler</code> unless a handler that offers it registers.</p>`;
}

export function createSchedulePage(
  ctx: PageContext,
  values: ScheduleFormValues,
  methods: string[],
  errors: string[],
  preview: Html,
): Html {
  const option = (value: string, label: string) =>
    h`<option value="${value}" ${values.triggerType === value ? h`selected` : ''}>${label}</option>`;
  return h`<h1>New schedule</h1>
${errors.length > 0 ? h`<div class="error" role="alert"><p>The schedule was not created:</p><ul>${errors.map((e) => h`<li>${e}</li>`)}</ul></div>` : ''}
<form method="post" action="/ui/schedules" data-preview="/ui/schedules/preview">
${csrfField(ctx)}
<div class="field"><label for="id">ID (optional)</label><input id="id" name="id" value="${values.id}"></div>
<div class="field"><label for="task">Task (handler method)</label><input id="task" name="task" list="methods" value="${values.task}" required>
<datalist id="methods">${methods.map((m) => h`<option value="${m}"></option>`)}</datalist></div>
<div class="field"><label for="triggerType">Trigger type</label><select id="triggerType" name="triggerType">
${option('cron', 'cron expression')}${option('interval', 'every N seconds')}${option('date', 'once at a date')}
</select></div>
<div class="field"><label for="expression">Cron expression (5 fields, or 6 with seconds first)</label><input id="expression" name="expression" value="${values.expression}"></div>
<div class="field"><label for="timezone">Time zone (IANA)</label><input id="timezone" name="timezone" value="${values.timezone}"></div>
<div class="field"><label for="seconds">Interval in seconds</label><input id="seconds" name="seconds" inputmode="decimal" value="${values.seconds}"></div>
<div class="field"><label for="at">Date (ISO-8601 with offset)</label><input id="at" name="at" value="${values.at}" placeholder="2030-01-31T09:00:00Z"></div>
<div class="field"><label for="args">Arguments (JSON object or array)</label><textarea id="args" name="args">${values.args}</textarea></div>
<div class="field"><label><input type="checkbox" name="paused" value="1" ${values.paused ? h`checked` : ''}> Create paused</label></div>
<div class="actions">
<button type="submit">Create schedule</button>
<button type="submit" class="secondary" formaction="/ui/schedules/preview">Preview fire times</button>
</div>
</form>
<h2>Trigger preview</h2>
${preview}`;
}
