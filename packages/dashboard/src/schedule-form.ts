import { type CreateScheduleBody, createScheduleBodySchema } from '@schedulezero/protocol';
import type { ScheduleFormValues } from './pages/forms.ts';

export type ParsedForm = { ok: true; body: CreateScheduleBody } | { ok: false; errors: string[] };

/** The create form's fields to a validated API body (the same schema as POST /api/schedules). */
export function parseScheduleForm(values: ScheduleFormValues): ParsedForm {
  let args: unknown;
  try {
    args = JSON.parse(values.args.trim() || '{}');
  } catch {
    return { ok: false, errors: ['args: must be JSON (an object or an array)'] };
  }
  const trigger =
    values.triggerType === 'interval'
      ? { type: 'interval', seconds: Number(values.seconds) }
      : values.triggerType === 'date'
        ? { type: 'date', at: values.at.trim() }
        : { type: 'cron', expression: values.expression.trim(), timezone: values.timezone.trim() || 'UTC' };
  const parsed = createScheduleBodySchema.safeParse({
    ...(values.id.trim() ? { id: values.id.trim() } : {}),
    task: values.task.trim(),
    trigger,
    args,
    paused: values.paused,
  });
  if (parsed.success) return { ok: true, body: parsed.data };
  return {
    ok: false,
    errors: parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`),
  };
}
