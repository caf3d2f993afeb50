import type { Schedule } from '@schedulezero/protocol';
import { type Html, h } from '../format/html.ts';
import { absoluteTime } from '../format/time-format.ts';
import { csrfField, type PageContext } from '../layout.ts';

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

/** The create form's fields a problem can be shown beside (each is also the control's id). */
export type FormField = 'id' | 'task' | 'triggerType' | 'expression' | 'timezone' | 'seconds' | 'at' | 'args';

/** A problem of a submitted form: beside its field, or (no field) in the summary only. */
export interface FormError {
  field: FormField | undefined;
  message: string;
}

const LABELS: Record<FormField, string> = {
  id: 'ID (optional)',
  task: 'Task (handler method)',
  triggerType: 'Trigger type',
  expression: 'Cron expression (5 fields, or 6 with seconds first)',
  timezone: 'Time zone (IANA)',
  seconds: 'Interval in seconds',
  at: 'Date (ISO-8601 with offset)',
  args: 'Arguments (JSON object or array)',
};

/**
 * The summary at the top (announced, one link per problem to its field) and, per field, the
 * attributes that tie the control to its error text and the text itself.
 */
function errorMarkup(unordered: FormError[], verb: string) {
  // In the order of the form, problems of the whole form first.
  const order = (error: FormError) => (error.field ? Object.keys(LABELS).indexOf(error.field) : -1);
  const errors = [...unordered].sort((a, b) => order(a) - order(b));
  const byField = (field: FormField) => errors.filter((error) => error.field === field);
  const summary =
    errors.length === 0
      ? ''
      : h`<div class="error-summary" role="alert"><p>The schedule was not ${verb}: ${errors.length === 1 ? 'one problem' : `${errors.length} problems`}.</p><ul>${errors.map(
          (error) =>
            h`<li>${error.field ? h`<a href="#${error.field}">${LABELS[error.field]}: ${error.message}</a>` : error.message}</li>`,
        )}</ul></div>`;
  const attributes = (field: FormField) =>
    byField(field).length > 0 ? h`aria-invalid="true" aria-describedby="${field}-error"` : '';
  const message = (field: FormField) => {
    const mine = byField(field);
    return mine.length === 0
      ? ''
      : h`<p class="field-error" id="${field}-error">${mine.map((error) => error.message).join('; ')}</p>`;
  };
  return { summary, attributes, message };
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

/**
 * What the schedule form is for: a new schedule, a copy of one (the fields the form does not show
 * — retry, timeout, target… — are taken from the original), or an edit of one at the version it
 * was loaded at (a write over a newer version is refused, never applied).
 */
export type FormMode =
  | { kind: 'create' }
  | { kind: 'clone'; from: string }
  | { kind: 'edit'; id: string; version: number };

const CREATE: FormMode = { kind: 'create' };

export function createSchedulePage(
  ctx: PageContext,
  values: ScheduleFormValues,
  methods: string[],
  errors: FormError[],
  preview: Html,
  mode: FormMode = CREATE,
  notice: Html | '' = '',
): Html {
  const option = (value: string, label: string) =>
    h`<option value="${value}" ${values.triggerType === value ? h`selected` : ''}>${label}</option>`;
  const { summary, attributes, message } = errorMarkup(errors, mode.kind === 'edit' ? 'saved' : 'created');
  const label = (field: FormField) => h`<label for="${field}">${LABELS[field]}</label>`;
  const input = (field: Exclude<FormField, 'triggerType' | 'args'>, extra: Html | string = '') =>
    h`<div class="field">${label(field)}<input id="${field}" name="${field}" value="${values[field]}" ${extra} ${attributes(field)}>${message(field)}</div>`;
  const edit = mode.kind === 'edit';
  const heading =
    mode.kind === 'edit'
      ? `Edit schedule ${mode.id}`
      : mode.kind === 'clone'
        ? `Clone schedule ${mode.from}`
        : 'New schedule';
  const action = edit ? `/ui/schedules/${encodeURIComponent(mode.id)}/edit` : '/ui/schedules';
  return h`<h1>${heading}</h1>
${notice}
${summary}
${mode.kind === 'clone' ? h`<p class="muted">Retry, timeout, target, coalescing, misfire grace, instances and metadata are copied from ${mode.from}.</p>` : ''}
<form method="post" action="${action}" data-preview="/ui/schedules/preview">
${csrfField(ctx)}
${mode.kind === 'edit' ? h`<input type="hidden" name="version" value="${mode.version}">` : ''}
${mode.kind === 'clone' ? h`<input type="hidden" name="cloneOf" value="${mode.from}">` : ''}
${edit ? h`<div class="field"><label for="id">ID</label><input id="id" name="id" value="${values.id}" readonly></div>` : input('id')}
<div class="field">${label('task')}<input id="task" name="task" list="methods" value="${values.task}" required ${attributes('task')}>${message('task')}
<datalist id="methods">${methods.map((m) => h`<option value="${m}"></option>`)}</datalist></div>
<div class="field">${label('triggerType')}<select id="triggerType" name="triggerType" ${attributes('triggerType')}>
${option('cron', 'cron expression')}${option('interval', 'every N seconds')}${option('date', 'once at a date')}
</select>${message('triggerType')}</div>
<div data-trigger-fields="cron">${input('expression')}${input('timezone')}</div>
<div data-trigger-fields="interval">${input('seconds', h`inputmode="decimal"`)}</div>
<div data-trigger-fields="date">${input('at', h`placeholder="2030-01-31T09:00:00Z"`)}</div>
<div class="field">${label('args')}<textarea id="args" name="args" ${attributes('args')}>${values.args}</textarea>${message('args')}</div>
<div class="field"><label><input type="checkbox" name="paused" value="1" ${values.paused ? h`checked` : ''}> ${edit ? 'Paused' : 'Create paused'}</label></div>
<div class="actions">
<button type="submit">${edit ? 'Save changes' : 'Create schedule'}</button>
<button type="submit" class="secondary" formaction="/ui/schedules/preview">Preview fire times</button>
</div>
</form>
<h2>Trigger preview</h2>
${preview}`;
}

/** A stored schedule as the form's fields (edit and clone start from these). */
export function formValuesOf(schedule: Schedule): ScheduleFormValues {
  const { trigger } = schedule;
  return {
    ...EMPTY_FORM,
    id: schedule.id,
    task: schedule.task,
    triggerType: trigger.type,
    ...(trigger.type === 'cron'
      ? { expression: trigger.expression, timezone: trigger.timezone ?? 'UTC' }
      : {}),
    ...(trigger.type === 'interval' ? { seconds: String(trigger.seconds) } : {}),
    ...(trigger.type === 'date' ? { at: trigger.at } : {}),
    args: JSON.stringify(schedule.args, null, 2),
    paused: schedule.paused,
  };
}
