import { createScheduleBodySchema } from '@schedulezero/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { createMasterStack, type MasterStack, TOKEN } from './support/stack.ts';

/**
 * The create form after a refused submit: every problem shown at once, each beside its field and
 * tied to it (aria-invalid, aria-describedby naming the error text), and a summary linking to them.
 */

let stack: MasterStack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

/** Logs in through the form, as a browser does, and returns the session cookie it was given. */
async function logIn(app: MasterStack['app']): Promise<string> {
  const response = await app.request('/ui/login', {
    method: 'POST',
    body: new URLSearchParams({ token: TOKEN, next: '/ui/schedules' }),
  });
  expect(response.status).toBe(303);
  const cookie = (response.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  expect(cookie).toMatch(/=./);
  return cookie;
}

/** The attributes of the form control with this id (input, select or textarea). */
function control(html: string, id: string): Record<string, string> {
  const tag = new RegExp(`<(?:input|select|textarea)\\b[^>]*\\sid="${id}"[^>]*>`).exec(html)?.[0];
  if (!tag) throw new Error(`no control #${id} on the page`);
  return Object.fromEntries([...tag.matchAll(/\s([\w-]+)(?:="([^"]*)")?/g)].map((m) => [m[1], m[2] ?? '']));
}

/** The text of the element with this id, tags stripped. */
function textOf(html: string, id: string): string {
  const match = new RegExp(`<(\\w+)[^>]*\\sid="${id}"[^>]*>([\\s\\S]*?)</\\1>`).exec(html);
  if (!match) throw new Error(`no element #${id} on the page`);
  return (match[2] ?? '').replace(/<[^>]+>/g, '').trim();
}

describe('create form errors', () => {
  it('shows every error beside its field, tied to it, and a summary that links to each', async () => {
    stack = await createMasterStack();
    const cookie = await logIn(stack.app);
    const form = await (await stack.app.request('/ui/schedules/new', { headers: { cookie } })).text();
    const csrf = /name="_csrf" value="([^"]+)"/.exec(form)?.[1] ?? '';
    // Before a submit nothing is marked wrong.
    expect(form).not.toContain('aria-invalid');

    const response = await stack.app.request('/ui/schedules', {
      method: 'POST',
      headers: { cookie },
      body: new URLSearchParams({
        _csrf: csrf,
        id: 'nightly-export',
        task: 'bad task!',
        triggerType: 'cron',
        expression: '61 * * * *',
        timezone: 'Mars/Olympus',
        seconds: '60',
        at: '',
        args: '{not json',
      }),
    });
    expect(response.status).toBe(400);
    const html = await response.text();

    const wrong = {
      task: /must be/,
      expression: /61|minute/i,
      timezone: /Mars\/Olympus/,
      args: /JSON/,
    };
    for (const [field, message] of Object.entries(wrong)) {
      const attributes = control(html, field);
      expect(attributes['aria-invalid'], field).toBe('true');
      const described = (attributes['aria-describedby'] ?? '').split(/\s+/).filter(Boolean);
      expect(described.length, field).toBeGreaterThan(0);
      const text = described.map((id) => textOf(html, id)).join(' ');
      expect(text, field).toMatch(message);
    }
    for (const field of ['id', 'seconds', 'at'])
      expect(control(html, field)['aria-invalid'], field).toBeUndefined();
    // What was typed stays in the form, so it can be corrected.
    expect(control(html, 'expression').value).toBe('61 * * * *');
    expect(html).toContain('{not json</textarea>');

    // The summary, announced first, lists every problem and links to its field.
    const summary = /<div[^>]*role="alert"[^>]*>([\s\S]*?)<\/div>/.exec(html)?.[1] ?? '';
    const links = [...summary.matchAll(/<a href="#([\w-]+)">/g)].map((m) => m[1]);
    expect(links.sort()).toEqual(Object.keys(wrong).sort());
  });

  it('shows a refusal of the scheduler itself (an id that exists) in the summary', async () => {
    stack = await createMasterStack();
    await stack.scheduler.createSchedule(
      createScheduleBodySchema.parse({
        id: 'taken',
        task: 'echo',
        trigger: { type: 'interval', seconds: 60 },
      }),
    );
    const cookie = await logIn(stack.app);
    const form = await (await stack.app.request('/ui/schedules/new', { headers: { cookie } })).text();
    const csrf = /name="_csrf" value="([^"]+)"/.exec(form)?.[1] ?? '';
    const response = await stack.app.request('/ui/schedules', {
      method: 'POST',
      headers: { cookie },
      body: new URLSearchParams({
        _csrf: csrf,
        id: 'taken',
        task: 'echo',
        triggerType: 'interval',
        seconds: '60',
      }),
    });
    expect(response.status).toBe(400);
    const html = await response.text();
    const summary = /<div[^>]*role="alert"[^>]*>([\s\S]*?)<\/div>/.exec(html)?.[1] ?? '';
    expect(summary).toMatch(/taken/);
  });
});
