import { afterEach, describe, expect, it } from 'vitest';
import { createMasterStack, type MasterStack } from './support/stack.ts';

// The schedule form as first served: no error before anything is typed, the offered tasks to pick.

let stack: MasterStack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

describe('the new-schedule form', () => {
  it('greets with no error, previews its default trigger, and offers the tasks the handlers serve', async () => {
    stack = await createMasterStack();
    const response = await stack.app.request('/ui/schedules/new', { headers: { cookie: stack.cookie } });
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).not.toMatch(/class="(error|field-error|error-summary)"/);
    expect(html).not.toContain('aria-invalid');
    expect(/<div id="preview"[\s\S]*?<\/div>/.exec(html)?.[0]).toContain('every day at 09:00 UTC');
    // The local handlers' tasks, though no handler record lists them.
    const offered = [...html.matchAll(/<datalist id="methods">([\s\S]*?)<\/datalist>/g)][0]?.[1] ?? '';
    expect([...offered.matchAll(/<option value="([^"]+)">/g)].map((m) => m[1])).toEqual([
      'block',
      'echo',
      'fail',
    ]);
    // Each trigger type's fields in a group of their own, which the script shows or hides.
    for (const [type, field] of [
      ['cron', 'expression'],
      ['interval', 'seconds'],
      ['date', 'at'],
    ])
      expect(html).toMatch(
        new RegExp(`<div data-trigger-fields="${type}"><div class="field"><label for="${field}">`),
      );
  });

  it('previews a trigger error while the task is still empty, naming only the trigger', async () => {
    stack = await createMasterStack();
    const page = await stack.app.request('/ui/schedules/new', { headers: { cookie: stack.cookie } });
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1] ?? '';
    const response = await stack.app.request('/ui/schedules/preview', {
      method: 'POST',
      headers: { cookie: stack.cookie, 'x-requested-with': 'fetch' },
      body: new URLSearchParams({ _csrf: csrf, task: '', triggerType: 'cron', expression: '61 * * * *' }),
    });
    const preview = await response.text();
    expect(preview).toContain('trigger.expression');
    expect(preview).not.toContain('task');
  });
});
