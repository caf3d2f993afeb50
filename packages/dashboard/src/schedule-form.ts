import {
  type CreateScheduleBody,
  createScheduleBodySchema,
  type Trigger,
  triggerSchema,
} from '@schedulezero/protocol';
import { type SchedulerError, validateTrigger } from '@schedulezero/scheduler-core';
import type { FormError, FormField, ScheduleFormValues } from './pages/forms.ts';

export type ParsedForm = { ok: true; body: CreateScheduleBody } | { ok: false; errors: FormError[] };

/** Where a problem of the API body is typed in the form; the rest (metadata, retry…) has no field. */
const FIELD_OF_PATH: Record<string, FormField> = {
  id: 'id',
  task: 'task',
  args: 'args',
  'trigger.type': 'triggerType',
  'trigger.expression': 'expression',
  'trigger.timezone': 'timezone',
  'trigger.seconds': 'seconds',
  'trigger.at': 'at',
};

/** A problem at an API path (`trigger.expression`) as a problem of the form field that holds it. */
export function formError(path: string, message: string): FormError {
  const field = FIELD_OF_PATH[path];
  return field ? { field, message } : { field: undefined, message: path ? `${path}: ${message}` : message };
}

/** A problem in one line, named by its field's API path where it has one (the live preview). */
export function describeError(error: FormError): string {
  const path = Object.entries(FIELD_OF_PATH).find(([, field]) => field === error.field)?.[0];
  return path ? `${path}: ${error.message}` : error.message;
}

/**
 * The create form's fields to a validated API body (the same schema as POST /api/schedules).
 * Every problem is collected, not only the first: a bad JSON argument does not hide a bad task, and
 * the trigger's own rules (cron syntax, time zone) are checked whatever else is wrong.
 */
export function parseScheduleForm(values: ScheduleFormValues): ParsedForm {
  const errors: FormError[] = [];
  let args: unknown = {};
  try {
    args = JSON.parse(values.args.trim() || '{}');
  } catch {
    errors.push({ field: 'args', message: 'must be JSON (an object or an array)' });
  }
  const trigger = triggerOf(values);
  const parsed = createScheduleBodySchema.safeParse({
    ...(values.id.trim() ? { id: values.id.trim() } : {}),
    task: values.task.trim(),
    trigger,
    args,
    paused: values.paused,
  });
  if (!parsed.success)
    errors.push(...parsed.error.issues.map((issue) => formError(issue.path.join('.'), issue.message)));
  const shape = triggerSchema.safeParse(trigger);
  if (shape.success)
    errors.push(...validateTrigger(shape.data).map((detail) => formError(detail.path, detail.message)));
  if (parsed.success && errors.length === 0) return { ok: true, body: parsed.data };
  return { ok: false, errors };
}

/** The trigger the form's fields of its chosen type describe (not yet validated). */
function triggerOf(values: ScheduleFormValues): Record<string, unknown> {
  if (values.triggerType === 'interval') return { type: 'interval', seconds: Number(values.seconds) };
  if (values.triggerType === 'date') return { type: 'date', at: values.at.trim() };
  return { type: 'cron', expression: values.expression.trim(), timezone: values.timezone.trim() || 'UTC' };
}

/**
 * Only the trigger of the form, for its preview: a task or argument not yet typed is no problem of
 * the preview (the form is not greeted with errors before anything is typed).
 */
export function parseTrigger(
  values: ScheduleFormValues,
): { ok: true; trigger: Trigger } | { ok: false; errors: FormError[] } {
  const shape = triggerSchema.safeParse(triggerOf(values));
  if (!shape.success)
    return {
      ok: false,
      errors: shape.error.issues.map((issue) =>
        formError(['trigger', ...issue.path].join('.'), issue.message),
      ),
    };
  const errors = validateTrigger(shape.data).map((detail) => formError(detail.path, detail.message));
  return errors.length === 0 ? { ok: true, trigger: shape.data } : { ok: false, errors };
}

/**
 * The form has no fields for an interval's startAt, endAt and jitter: an edit or clone that keeps
 * the interval type keeps them from the stored trigger rather than dropping them unseen.
 */
export function keepTriggerExtras(stored: Trigger, edited: Trigger): Trigger {
  return stored.type === 'interval' && edited.type === 'interval' ? { ...stored, ...edited } : edited;
}

/** The schedule form's fields from a parsed form body (absent ones empty, or their default). */
export function formValues(body: Record<string, unknown>): ScheduleFormValues {
  const text = (key: keyof ScheduleFormValues) =>
    typeof body[key] === 'string' ? (body[key] as string) : '';
  return {
    id: text('id'),
    task: text('task'),
    triggerType: text('triggerType') || 'cron',
    expression: text('expression'),
    timezone: text('timezone') || 'UTC',
    seconds: text('seconds'),
    at: text('at'),
    args: text('args') || '{}',
    paused: body.paused === '1',
  };
}

/** A write the scheduler refused, as the form's problems: its message, and each detail at its field. */
export function refusalErrors(error: SchedulerError): FormError[] {
  return [
    { field: undefined, message: error.message },
    ...(error.details ?? []).map((detail) => formError(detail.path, detail.message)),
  ];
}
