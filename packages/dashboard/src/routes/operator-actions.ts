import type { Schedule } from '@schedulezero/protocol';
import { type Scheduler, SchedulerError } from '@schedulezero/scheduler-core';
import type { Context, Hono } from 'hono';
import type { Html } from '../format/html.ts';
import type { PageContext } from '../layout.ts';
import {
  bulkResultPage,
  confirmBulkDeletePage,
  confirmDeletePage,
  refusedPage,
  versionConflictNotice,
} from '../pages/confirm.ts';
import { createSchedulePage, type FormMode, formValuesOf, type ScheduleFormValues } from '../pages/forms.ts';
import { formValues, keepTriggerExtras, parseScheduleForm, refusalErrors } from '../schedule-form.ts';

type Status = 200 | 400 | 404 | 409;

export interface OperatorActionOptions {
  mutations: Scheduler;
  contextOf: (c: Context) => PageContext;
  render: (c: Context, title: string, section: string, body: Html, status?: Status) => Response;
  /** The tasks the handlers offer (the form's datalist). */
  methods: () => Promise<string[]>;
  /** The trigger preview block of the form's values. */
  preview: (values: ScheduleFormValues) => Html;
}

const BULK_ACTIONS = ['pause', 'resume', 'delete'] as const;
type BulkAction = (typeof BULK_ACTIONS)[number];
const PAST: Record<BulkAction, string> = { pause: 'paused', resume: 'resumed', delete: 'deleted' };

/**
 * The master's operator actions beyond create: edit (at the version loaded), clone, delete in two
 * steps, bulk pause/resume/delete of selected schedules, and cancel or re-run of a job. Mounted
 * behind the login and CSRF checks of `registerActions`; a replica never mounts them.
 */
// biome-ignore lint/suspicious/noExplicitAny: any hono app (OpenAPIHono included) whatever its env
export function registerOperatorActions(app: Hono<any, any, any>, options: OperatorActionOptions): void {
  const { mutations, contextOf, render, methods, preview } = options;

  /** The schedule of `:id`, or the 404 page when there is none. */
  const load = async (c: Context): Promise<Schedule | Response> => {
    const id = c.req.param('id') as string;
    try {
      return await mutations.getSchedule(id);
    } catch (error) {
      if (!(error instanceof SchedulerError) || error.code !== 'not_found') throw error;
      const body = refusedPage(`Schedule ${id} does not exist.`, {
        href: '/ui/schedules',
        label: 'Back to schedules',
      });
      return render(c, 'Not found', 'schedules', body, 404);
    }
  };
  const formPage = async (
    c: Context,
    values: ScheduleFormValues,
    mode: FormMode,
    errors: Parameters<typeof createSchedulePage>[3] = [],
    status: Status = 200,
    notice: Html | '' = '',
  ) => {
    const title = mode.kind === 'edit' ? `Edit ${mode.id}` : 'Clone schedule';
    const body = createSchedulePage(
      contextOf(c),
      values,
      await methods(),
      errors,
      preview(values),
      mode,
      notice,
    );
    return render(c, title, 'schedules', body, status);
  };

  app.get('/ui/schedules/:id/edit', async (c) => {
    const schedule = await load(c);
    if (schedule instanceof Response) return schedule;
    return formPage(c, formValuesOf(schedule), { kind: 'edit', id: schedule.id, version: schedule.version });
  });
  app.post('/ui/schedules/:id/edit', async (c) => {
    const current = await load(c);
    if (current instanceof Response) return current;
    const body = await c.req.parseBody();
    const values = { ...formValues(body), id: current.id };
    const version = Number(body.version);
    // The version the form was loaded at; without it a write could silently overwrite another's.
    if (!Number.isInteger(version) || version < 1)
      return render(
        c,
        'Action refused',
        'schedules',
        refusedPage('The form carries no version: reload it and edit again.', {
          href: `/ui/schedules/${encodeURIComponent(current.id)}/edit`,
          label: 'Reload the form',
        }),
        400,
      );
    const mode: FormMode = { kind: 'edit', id: current.id, version };
    const parsed = parseScheduleForm(values);
    if (!parsed.ok) return formPage(c, values, mode, parsed.errors, 400);
    try {
      const { task, trigger, args, paused } = parsed.body;
      await mutations.patchSchedule(current.id, {
        task,
        trigger: keepTriggerExtras(current.trigger, trigger),
        args,
        paused,
        version,
      });
    } catch (error) {
      if (!(error instanceof SchedulerError)) throw error;
      if (error.code === 'version_conflict') {
        const notice = versionConflictNotice(current.id, version, current.version);
        return formPage(c, values, mode, [], 409, notice);
      }
      return formPage(c, values, mode, refusalErrors(error), 400);
    }
    const [warning] = await mutations.taskWarnings(parsed.body.task);
    const query = warning ? `?warning=${warning.code}` : '';
    return c.redirect(`/ui/schedules/${encodeURIComponent(current.id)}${query}`, 303);
  });

  app.get('/ui/schedules/:id/clone', async (c) => {
    const source = await load(c);
    if (source instanceof Response) return source;
    return formPage(
      c,
      { ...formValuesOf(source), id: `${source.id}-copy` },
      { kind: 'clone', from: source.id },
    );
  });

  // Delete: a first request (GET, or a POST without `confirm=yes`) only asks.
  const askDelete = async (c: Context) => {
    const schedule = await load(c);
    if (schedule instanceof Response) return schedule;
    return render(c, `Delete ${schedule.id}?`, 'schedules', confirmDeletePage(contextOf(c), schedule));
  };
  app.get('/ui/schedules/:id/delete', askDelete);
  app.post('/ui/schedules/:id/delete', async (c) => {
    const body = await c.req.parseBody();
    if (body.confirm !== 'yes') return askDelete(c);
    const id = c.req.param('id');
    const version = Number(body.version);
    try {
      await mutations.deleteSchedule(id, Number.isInteger(version) && version > 0 ? version : undefined);
    } catch (error) {
      if (!(error instanceof SchedulerError)) throw error;
      const message =
        error.code === 'version_conflict'
          ? `Not deleted: schedule ${id} was changed after the confirmation was shown. Look at it again before deleting it.`
          : error.message;
      const back = { href: `/ui/schedules/${encodeURIComponent(id)}`, label: `Back to ${id}` };
      return render(c, 'Action refused', 'schedules', refusedPage(message, back), 409);
    }
    return c.redirect('/ui/schedules', 303);
  });

  app.post('/ui/schedules/bulk', async (c) => {
    const body = await c.req.parseBody({ all: true });
    const list = body.ids === undefined ? [] : Array.isArray(body.ids) ? body.ids : [body.ids];
    const ids = [...new Set(list.filter((id): id is string => typeof id === 'string' && id !== ''))];
    const q = typeof body.q === 'string' ? body.q : '';
    const action = BULK_ACTIONS.find((name) => name === body.action);
    const back = {
      href: `/ui/schedules?${new URLSearchParams({ q }).toString()}`,
      label: 'Back to schedules',
    };
    if (action === undefined)
      return render(
        c,
        'Action refused',
        'schedules',
        refusedPage('Choose pause, resume or delete.', back),
        400,
      );
    if (ids.length === 0)
      return render(
        c,
        'Action refused',
        'schedules',
        refusedPage('No schedule selected: tick the schedules to act on first.', back),
        400,
      );
    if (action === 'delete' && body.confirm !== 'yes')
      return render(c, 'Delete schedules?', 'schedules', confirmBulkDeletePage(contextOf(c), ids, q));
    const done: string[] = [];
    const failed: Array<{ id: string; message: string }> = [];
    for (const id of ids) {
      try {
        if (action === 'pause') await mutations.pauseSchedule(id);
        else if (action === 'resume') await mutations.resumeSchedule(id);
        else await mutations.deleteSchedule(id);
        done.push(id);
      } catch (error) {
        if (!(error instanceof SchedulerError)) throw error;
        failed.push({ id, message: error.message });
      }
    }
    if (failed.length > 0)
      return render(c, 'Not all done', 'schedules', bulkResultPage(done, failed, PAST[action], q), 409);
    return c.redirect(back.href, 303);
  });

  const jobAction = async (c: Context, action: 'cancel' | 'rerun') => {
    const id = c.req.param('id') as string;
    try {
      const job = action === 'cancel' ? await mutations.cancelJob(id) : await mutations.rerunJob(id);
      return c.redirect(`/ui/jobs/${encodeURIComponent(job.id)}`, 303);
    } catch (error) {
      if (!(error instanceof SchedulerError)) throw error;
      const back = { href: `/ui/jobs/${encodeURIComponent(id)}`, label: `Back to job ${id}` };
      const status = error.code === 'not_found' ? 404 : 409;
      return render(c, 'Action refused', 'history', refusedPage(error.message, back), status);
    }
  };

  app.post('/ui/jobs/:id/cancel', async (c) => jobAction(c, 'cancel'));
  app.post('/ui/jobs/:id/rerun', async (c) => jobAction(c, 'rerun'));
}
