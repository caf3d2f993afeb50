import { createScheduleBodySchema } from '@schedulezero/protocol';
import { eventually } from '@schedulezero/scheduler-core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createMasterStack, type MasterStack } from './support/stack.ts';

// Each field says what is true of the schedule or job: paused, finished and never-run states, the
// last run, the zone, the expression, every setting, attempts, counts.

let stack: MasterStack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

async function html(current: MasterStack, path: string): Promise<string> {
  const response = await current.app.request(path, { headers: { cookie: current.cookie } });
  expect(response.status, path).toBe(200);
  return response.text();
}

/** The `<dd>` after a `<dt>` of that name. */
function field(page: string, name: string): string {
  const match = new RegExp(`<dt>${name}</dt><dd>([\\s\\S]*?)</dd>`).exec(page);
  if (!match) throw new Error(`no ${name} field`);
  return match[1] ?? '';
}

/** The list's row of a schedule. */
function row(page: string, id: string): string {
  return [...page.matchAll(/<tr>[\s\S]*?<\/tr>/g)].find((m) => m[0].includes(`value="${id}"`))?.[0] ?? '';
}

describe('truthful fields', () => {
  it('a paused schedule says paused, never "next run in …"; a manual run sets the last run', async () => {
    stack = await createMasterStack();
    await stack.scheduler.createSchedule(
      createScheduleBodySchema.parse({
        id: 'berlin',
        task: 'echo',
        trigger: { type: 'cron', expression: '0 9 * * *', timezone: 'Europe/Berlin' },
        paused: true,
      }),
    );
    const list = await html(stack, '/ui/schedules');
    expect(row(list, 'berlin')).toContain('paused: no run until resumed');
    expect(row(list, 'berlin')).not.toMatch(/in \d+ (s|min|h|d)/);
    const detail = await html(stack, '/ui/schedules/berlin');
    expect(field(detail, 'Next run')).toContain('paused: no run until resumed');
    expect(field(detail, 'Last run')).toBe('never');

    await stack.scheduler.runNow('berlin');
    await eventually(async () => {
      const [job] = (await stack?.scheduler.listJobs({ limit: 1, scheduleId: 'berlin' }))?.items ?? [];
      expect(job?.status).toBe('succeeded');
    });
    const after = await html(stack, '/ui/schedules/berlin');
    // "2 s ago (2026-… Europe/Berlin = 2026-…Z)"
    expect(field(after, 'Last run')).toMatch(
      /^(now|\d+ s ago) \(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d Europe\/Berlin = \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ\)$/,
    );
  });

  it('shows the trigger in words and as written, times in the schedule zone and UTC, and every setting', async () => {
    stack = await createMasterStack();
    await stack.scheduler.createSchedule(
      createScheduleBodySchema.parse({
        id: 'full',
        task: 'echo',
        trigger: { type: 'cron', expression: '0 9 * * *', timezone: 'Europe/Berlin' },
        args: { to: 'ops' },
        retry: { maxAttempts: 3, backoffMs: 500, backoffFactor: 2 },
        timeoutSeconds: 42,
        target: { zone: 'eu-west', tags: ['smtp'] },
        coalesce: 'all',
        misfireGraceSeconds: 15,
        maxInstances: 2,
      }),
    );
    const detail = await html(stack, '/ui/schedules/full');
    expect(field(detail, 'Trigger')).toBe(
      'every day at 09:00 Europe/Berlin<br><code>cron &quot;0 9 * * *&quot; in Europe/Berlin</code>',
    );
    expect(field(detail, 'Retry')).toBe('up to 3 attempts, waiting 500 ms × 2 per retry');
    expect(field(detail, 'Timeout')).toBe('42 s');
    expect(field(detail, 'Target')).toBe('zone eu-west; tags smtp');
    expect(field(detail, 'Coalesce')).toBe('all');
    expect(field(detail, 'Misfire grace')).toBe('15 s');
    expect(field(detail, 'Max instances')).toBe('2');
    expect(detail).toContain('&quot;to&quot;: &quot;ops&quot;');
    // Berlin is UTC+1 or +2: 09:00 there is 07:00 or 08:00 UTC.
    const first = /<li><time datetime="[^"]+">([^<]+)<\/time>/.exec(detail)?.[1];
    expect(first).toMatch(/^\d{4}-\d\d-\d\d 09:00:00 Europe\/Berlin = \d{4}-\d\d-\d\d 0[78]:00:00Z$/);
    expect(field(detail, 'Next run')).toContain(' 09:00:00 Europe/Berlin = ');
    const list = await html(stack, '/ui/schedules');
    expect(row(list, 'full')).toContain('<code>cron &quot;0 9 * * *&quot; in Europe/Berlin</code>');
  });

  it('a finished one-shot says so and offers no Pause; attempts read "1 of 3"; "1 job"', async () => {
    stack = await createMasterStack();
    await stack.scheduler.createSchedule(
      createScheduleBodySchema.parse({
        id: 'once',
        task: 'echo',
        trigger: { type: 'date', at: new Date(Date.now() + 1_000).toISOString() },
        retry: { maxAttempts: 3 },
      }),
    );
    await eventually(
      async () => {
        const [job] = (await stack?.scheduler.listJobs({ limit: 1, scheduleId: 'once' }))?.items ?? [];
        expect(job?.status).toBe('succeeded');
      },
      { timeoutMs: 10_000 },
    );
    const detail = await html(stack, '/ui/schedules/once');
    expect(field(detail, 'Next run')).toContain('finished: this one-shot has fired');
    expect(detail).not.toContain('Pause once');
    expect(detail).toContain('Run now once');
    expect(row(await html(stack, '/ui/schedules'), 'once')).toContain('>finished<');
    const history = await html(stack, '/ui/history');
    expect(history).toContain('<td data-label="Attempts">1 of 3</td>');
    const charts = await html(stack, '/ui/charts');
    expect(charts).toContain('1 job,');
    expect(charts).not.toContain('1 jobs');
  });

  it('lists no fire time past year 9999: the page writes only RFC 3339 dates', async () => {
    stack = await createMasterStack();
    await stack.scheduler.createSchedule(
      createScheduleBodySchema.parse({
        id: 'year-end',
        task: 'echo',
        trigger: { type: 'interval', seconds: 30, startAt: '9999-12-31T23:58:00Z' },
      }),
    );
    const page = await html(stack, '/ui/schedules/year-end');
    const listed = [...page.matchAll(/<li><time datetime="([^"]+)"/g)].map((m) => m[1]);
    expect(listed).toEqual([
      '9999-12-31T23:58:00.000Z',
      '9999-12-31T23:58:30.000Z',
      '9999-12-31T23:59:00.000Z',
      '9999-12-31T23:59:30.000Z',
    ]);
    expect(page).not.toContain('+010000');
  });
});
