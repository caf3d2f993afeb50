import { describe, expect, it } from 'vitest';
import { type ApiResponse, call, uniqueId, YEARLY } from '../support/http.ts';
import type { TestMaster } from '../support/test-master.ts';

/** Bad input of every kind: a 4xx whose message names the field, never a 5xx. */
export function inputErrorTests(master: () => TestMaster): void {
  const api = (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
    call(master().app, method, path, {
      ...(body === undefined ? {} : { body }),
      ...(headers ? { headers } : {}),
    });

  async function expectValidation(
    response: Promise<ApiResponse>,
    field: string,
    messagePart?: string | RegExp,
  ): Promise<void> {
    const { status, body } = await response;
    expect(status, JSON.stringify(body)).toBe(400);
    expect(body.error.code).toBe('validation');
    expect(body.error.message).toContain(field);
    expect(body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ path: field })]));
    if (messagePart) expect(body.error.message).toMatch(messagePart);
  }

  const schedule = (fields: Record<string, unknown>) => ({ task: 'echo', trigger: YEARLY, ...fields });

  describe('input validation', () => {
    it('malformed JSON is 400 naming the body', async () => {
      const response = await api('POST', '/api/schedules', '{"task": "echo",');
      expect(response.status).toBe(400);
      expect(response.body.error).toMatchObject({
        code: 'validation',
        message: 'Invalid body: malformed JSON',
      });
    });

    it('a body that is not JSON is 415; a JSON array or string is 400', async () => {
      const text = await api('POST', '/api/schedules', 'task=echo', { 'content-type': 'text/plain' });
      expect(text.status).toBe(415);
      expect(text.body.error.code).toBe('unsupported_media_type');
      await expectValidation(api('POST', '/api/schedules', '[1,2]'), '', /expected object/);
      await expectValidation(api('POST', '/api/triggers/preview', '"cron"'), '', /expected object/);
    });

    it('unknown trigger types name trigger.type', async () => {
      await expectValidation(
        api('POST', '/api/schedules', schedule({ trigger: { type: 'weekly' } })),
        'trigger.type',
      );
    });

    it('an invalid cron expression names trigger.expression', async () => {
      await expectValidation(
        api('POST', '/api/schedules', schedule({ trigger: { type: 'cron', expression: '61 * * * *' } })),
        'trigger.expression',
      );
      await expectValidation(
        api('POST', '/api/triggers/preview', {
          trigger: { type: 'cron', expression: 'every day' },
          count: 2,
        }),
        'trigger.expression',
      );
    });

    it('an unknown time zone names trigger.timezone', async () => {
      await expectValidation(
        api(
          'POST',
          '/api/schedules',
          schedule({ trigger: { type: 'cron', expression: '0 9 * * *', timezone: 'Mars/Olympus' } }),
        ),
        'trigger.timezone',
      );
    });

    it('negative or zero intervals name trigger.seconds', async () => {
      await expectValidation(
        api('POST', '/api/schedules', schedule({ trigger: { type: 'interval', seconds: -5 } })),
        'trigger.seconds',
      );
      await expectValidation(
        api('POST', '/api/triggers/preview', { trigger: { type: 'interval', seconds: 0 }, count: 1 }),
        'trigger.seconds',
      );
    });

    it('ids with bad characters are 400, in the body and in the path', async () => {
      await expectValidation(api('POST', '/api/schedules', schedule({ id: 'has space' })), 'id');
      await expectValidation(api('POST', '/api/schedules', schedule({ id: '../etc' })), 'id');
      await expectValidation(api('GET', '/api/schedules/bad%20id'), 'id', /^Invalid path: id: /);
      await expectValidation(api('DELETE', `/api/schedules/${'x'.repeat(129)}`), 'id');
      await expectValidation(api('GET', '/api/jobs/%F0%9F%92%A5'), 'id');
    });

    it('unknown fields and wrong types name the field', async () => {
      await expectValidation(
        api('POST', '/api/schedules', schedule({ colour: 'red' })),
        'colour',
        /unknown field/,
      );
      await expectValidation(
        api('POST', '/api/schedules', schedule({ maxInstances: 'two' })),
        'maxInstances',
      );
      await expectValidation(api('POST', '/api/schedules', { trigger: YEARLY }), 'task');
      await expectValidation(
        api('PATCH', `/api/schedules/${uniqueId('p')}`, { retry: { maxAttempts: 0 } }),
        'retry.maxAttempts',
      );
      await expectValidation(
        api('PUT', `/api/schedules/${uniqueId('p')}`, schedule({ version: 0 })),
        'version',
      );
    });

    it('query parameters are validated: limit, status, paused, count, from, version', async () => {
      for (const limit of ['0', '501', 'abc', '2.5']) {
        await expectValidation(
          api('GET', `/api/schedules?limit=${limit}`),
          'limit',
          /^Invalid query: limit: /,
        );
      }
      await expectValidation(api('GET', '/api/history?status=exploded'), 'status');
      await expectValidation(api('GET', '/api/history?scheduleId=a%20b'), 'scheduleId');
      await expectValidation(api('GET', '/api/schedules?paused=maybe'), 'paused');
      await expectValidation(api('GET', '/api/schedules?cursor=not-a-cursor'), 'cursor');
      await expectValidation(api('GET', '/api/history?cursor=WzEsMl0'), 'cursor');
      const { body } = await api('POST', '/api/schedules', schedule({ id: uniqueId('q') }));
      const id = body.schedule.id;
      await expectValidation(api('GET', `/api/schedules/${id}/next?count=0`), 'count');
      await expectValidation(api('GET', `/api/schedules/${id}/next?count=100000`), 'count');
      await expectValidation(api('GET', `/api/schedules/${id}/next?from=yesterday`), 'from');
      await expectValidation(api('DELETE', `/api/schedules/${id}?version=-1`), 'version');
      await expectValidation(api('POST', '/api/triggers/preview', { trigger: YEARLY, count: -1 }), 'count');
    });

    it('a date trigger far in the past is refused, naming trigger.at', async () => {
      await expectValidation(
        api('POST', '/api/schedules', schedule({ trigger: { type: 'date', at: '2001-01-01T00:00:00Z' } })),
        'trigger.at',
      );
    });

    it('no odd input produces a 5xx', async () => {
      const bodies: unknown[] = [
        null,
        0,
        '{}',
        { __proto__: { task: 'echo' } },
        JSON.parse(
          '{"__proto__": {"polluted": true}, "task": "echo", "trigger": {"type": "cron", "expression": "* * * * *"}}',
        ),
        schedule({ args: 'text' }),
        schedule({ trigger: { type: 'cron', expression: '* * * * * * * *' } }),
        schedule({ trigger: { type: 'cron', expression: '0 0 31 2 *' } }),
        schedule({ trigger: { type: 'interval', seconds: 1e308 } }),
        schedule({ trigger: { type: 'interval', seconds: 10, startAt: '2026-13-45T99:00:00Z' } }),
        schedule({ trigger: { type: 'date', at: '9999-12-31T23:59:59Z' } }),
        schedule({ trigger: { type: 'cron', expression: '\u0000' } }),
        schedule({ metadata: { deep: JSON.parse(`${'['.repeat(500)}${']'.repeat(500)}`) } }),
        schedule({ id: 'é' }),
      ];
      for (const body of bodies) {
        const response = await api('POST', '/api/schedules', JSON.stringify(body));
        expect(
          response.status,
          `${JSON.stringify(body)?.slice(0, 80)} -> ${JSON.stringify(response.body)}`,
        ).toBeLessThan(500);
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      }
      const cursors = ['WzkwMDcxOTkyNTQ3NDA5OTAsImEiXQ', 'WyIiXQ', '%00', 'W251bGxd'];
      for (const cursor of cursors) {
        for (const path of ['/api/schedules', '/api/history']) {
          const response = await api('GET', `${path}?cursor=${cursor}`);
          expect(response.status, `${path} cursor ${cursor}: ${JSON.stringify(response.body)}`).toBeLessThan(
            500,
          );
        }
      }
      const preview = await api('POST', '/api/triggers/preview', {
        trigger: { type: 'cron', expression: '0 0 30 2 *' },
        count: 5,
      });
      expect(preview.status, JSON.stringify(preview.body)).toBeLessThan(500);
    });

    it('unknown routes are 404 in the error shape', async () => {
      const response = await api('GET', '/api/nothing-here');
      expect(response.status).toBe(404);
      expect(response.body.error.code).toBe('not_found');
    });
  });
}
