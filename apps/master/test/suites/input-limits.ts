import { describe, expect, it } from 'vitest';
import { type ApiResponse, call, uniqueId, YEARLY } from '../support/http.ts';
import type { TestMaster } from '../support/test-master.ts';

/** JSON `[[[…]]]` nested `depth` levels (the outer array counts as one). */
const nested = (depth: number): unknown => JSON.parse(`${'['.repeat(depth)}${']'.repeat(depth)}`);

const YEAR_SECONDS = 365 * 24 * 3600;

/**
 * Input that is well formed but beyond what the API can store or answer: JSON nested deeper than
 * the documented limit, instants and fire times after 9999-12-31 (which RFC 3339 cannot write).
 * Each is a 400 naming the field, never a 5xx or a malformed date in a 200.
 */
export function inputLimitTests(master: () => TestMaster): void {
  const api = (method: string, path: string, body?: unknown) =>
    call(master().app, method, path, body === undefined ? {} : { body });

  async function expectValidation(response: Promise<ApiResponse>, field: string, part: RegExp) {
    const { status, body } = await response;
    expect(status, JSON.stringify(body).slice(0, 300)).toBe(400);
    expect(body.error.code).toBe('validation');
    expect(body.error.message).toContain(field);
    expect(body.error.message).toMatch(part);
    expect(body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ path: field })]));
  }

  const schedule = (fields: Record<string, unknown>) => ({ task: 'echo', trigger: YEARLY, ...fields });

  describe('nesting depth of args and metadata', () => {
    it('refuses args or metadata nested thousands of levels with 400 naming the field', async () => {
      // Sent as text: the nesting a body may carry is more than this process's own stack allows.
      const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`;
      const trigger = JSON.stringify(YEARLY);
      for (const field of ['args', 'metadata']) {
        const body = `{"task": "echo", "trigger": ${trigger}, "${field}": {"a": ${deep}}}`;
        await expectValidation(api('POST', '/api/schedules', body), field, /32 levels/);
      }
      const { body } = await api('POST', '/api/schedules', schedule({ id: uniqueId('deep') }));
      const id = body.schedule.id as string;
      await expectValidation(api('PATCH', `/api/schedules/${id}`, { args: [nested(40)] }), 'args', /32/);
      await expectValidation(
        api('PUT', `/api/schedules/${id}`, schedule({ metadata: { a: nested(40) } })),
        'metadata',
        /32/,
      );
    });

    it('accepts exactly 32 levels and refuses 33', async () => {
      const ok = await api('POST', '/api/schedules', schedule({ args: [nested(31)] }));
      expect(ok.status, JSON.stringify(ok.body).slice(0, 200)).toBe(201);
      expect(ok.body.schedule.args).toEqual([nested(31)]);
      await expectValidation(api('POST', '/api/schedules', schedule({ args: [nested(32)] })), 'args', /32/);
    });
  });

  describe('instants after 9999-12-31', () => {
    const lateDate = { type: 'date', at: '9999-12-31T23:00:00-05:00' };
    const lateStart = { type: 'interval', seconds: 60, startAt: '9999-12-31T20:00:00-04:00' };
    const lateEnd = { type: 'interval', seconds: 60, endAt: '9999-12-31T22:00:00-03:00' };

    it('refuses a date, startAt or endAt that is after 9999 in UTC, naming the field', async () => {
      await expectValidation(
        api('POST', '/api/schedules', schedule({ trigger: lateDate })),
        'trigger.at',
        /9999-12-31/,
      );
      await expectValidation(
        api('POST', '/api/schedules', schedule({ trigger: lateStart })),
        'trigger.startAt',
        /9999-12-31/,
      );
      await expectValidation(
        api('POST', '/api/triggers/preview', { trigger: lateEnd, count: 1 }),
        'trigger.endAt',
        /9999-12-31/,
      );
      const { body } = await api('POST', '/api/schedules', schedule({ id: uniqueId('late') }));
      const id = body.schedule.id as string;
      await expectValidation(
        api('PATCH', `/api/schedules/${id}`, { trigger: lateDate }),
        'trigger.at',
        /9999-12-31/,
      );
      await expectValidation(
        api('PUT', `/api/schedules/${id}`, schedule({ trigger: lateStart })),
        'trigger.startAt',
        /9999-12-31/,
      );
      await expectValidation(
        api('GET', `/api/schedules/${id}/next?from=${encodeURIComponent('9999-12-31T23:30:00-01:00')}`),
        'from',
        /9999-12-31/,
      );
    });

    it('refuses a preview or a next whose fire times run past 9999, naming count', async () => {
      const trigger = { type: 'interval', seconds: YEAR_SECONDS, startAt: '9998-06-01T00:00:00Z' };
      const fits = await api('POST', '/api/triggers/preview', { trigger, count: 2 });
      expect(fits.status).toBe(200);
      expect(fits.body.fireTimes).toEqual(['9998-06-01T00:00:00.000Z', '9999-06-01T00:00:00.000Z']);
      await expectValidation(
        api('POST', '/api/triggers/preview', { trigger, count: 3 }),
        'count',
        /only 2 fire times/,
      );
      const from = '9998-01-01T00:00:00Z';
      const created = await api('POST', '/api/schedules', schedule({ id: uniqueId('late'), trigger }));
      expect(created.status).toBe(201);
      const path = `/api/schedules/${created.body.schedule.id}/next`;
      const next = await api('GET', `${path}?count=2&from=${from}`);
      expect(next.body.fireTimes).toEqual(['9998-06-01T00:00:00.000Z', '9999-06-01T00:00:00.000Z']);
      await expectValidation(api('GET', `${path}?count=5&from=${from}`), 'count', /only 2 fire times/);
    });

    it('refuses a preview whose first fire time is after 9999, naming from', async () => {
      await expectValidation(
        api('POST', '/api/triggers/preview', {
          trigger: { type: 'interval', seconds: 60 },
          from: '9999-12-31T23:59:30Z',
          count: 1,
        }),
        'from',
        /9999-12-31/,
      );
    });
  });
}
