import { describe, expect, it } from 'vitest';
import { call, uniqueId, waitFor, YEARLY } from '../support/http.ts';
import type { TestMaster } from '../support/test-master.ts';

/** History, jobs, handlers and metrics, with jobs really run by the local executor. */
export function jobRouteTests(master: () => TestMaster): void {
  const api = (method: string, path: string, body?: unknown) =>
    call(master().app, method, path, body === undefined ? {} : { body });

  async function runJob(task: string): Promise<{ scheduleId: string; jobId: string }> {
    const scheduleId = uniqueId(task);
    expect(
      (await api('POST', '/api/schedules', { id: scheduleId, task, trigger: YEARLY, args: { n: 1 } })).status,
    ).toBe(201);
    const run = await api('POST', `/api/schedules/${scheduleId}/run`);
    expect(run.status).toBe(202);
    return { scheduleId, jobId: run.body.job.id };
  }

  async function finished(jobId: string) {
    let last: unknown;
    return waitFor(
      async () => {
        const { body } = await api('GET', `/api/jobs/${jobId}`);
        last = body.job;
        return ['succeeded', 'failed'].includes(body.job.status) ? body.job : undefined;
      },
      () => `job ${jobId} to finish; last seen: ${JSON.stringify(last)}`,
    );
  }

  describe('jobs and history', () => {
    it('GET /api/jobs/:id follows a run to success, with its result', async () => {
      const { scheduleId, jobId } = await runJob('echo');
      const job = await finished(jobId);
      expect(job).toMatchObject({
        id: jobId,
        scheduleId,
        status: 'succeeded',
        attempt: 1,
        result: { echoed: { n: 1 } },
      });
      expect(job.finishedAt).toMatch(/Z$/);
      expect((await api('GET', '/api/jobs/no-such-job')).status).toBe(404);
    });

    it('GET /api/history lists newest first, filters by scheduleId and status, and pages', async () => {
      const { scheduleId, jobId: firstId } = await runJob('fail');
      await finished(firstId);
      const second = await api('POST', `/api/schedules/${scheduleId}/run`);
      await finished(second.body.job.id);

      const all = await api('GET', `/api/history?scheduleId=${scheduleId}`);
      expect(all.status).toBe(200);
      expect(all.body.jobs.map((job: { id: string }) => job.id)).toEqual([second.body.job.id, firstId]);
      expect(all.body.jobs[0].error).toEqual({ code: 'handler_error', message: 'failed on purpose' });

      const page = await api('GET', `/api/history?scheduleId=${scheduleId}&limit=1`);
      expect(page.body.jobs).toHaveLength(1);
      const rest = await api(
        'GET',
        `/api/history?scheduleId=${scheduleId}&limit=1&cursor=${page.body.nextCursor}`,
      );
      expect(rest.body.jobs.map((job: { id: string }) => job.id)).toEqual([firstId]);

      const succeeded = await api('GET', `/api/history?scheduleId=${scheduleId}&status=succeeded`);
      expect(succeeded.body).toEqual({ jobs: [], nextCursor: null });
      const failed = await api('GET', `/api/history?scheduleId=${scheduleId}&status=failed`);
      expect(failed.body.jobs).toHaveLength(2);
    });
  });

  describe('cancel and re-run', () => {
    async function status(jobId: string, wanted: string) {
      return waitFor(
        async () => {
          const { body } = await api('GET', `/api/jobs/${jobId}`);
          return body.job.status === wanted ? body.job : undefined;
        },
        () => `job ${jobId} to be ${wanted}`,
      );
    }

    it('POST /api/jobs/:id/cancel stops a running job through its signal, without a retry; a finished one is 409', async () => {
      const scheduleId = uniqueId('block');
      const created = await api('POST', '/api/schedules', {
        id: scheduleId,
        task: 'block',
        trigger: YEARLY,
        retry: { maxAttempts: 3, backoffMs: 10, backoffFactor: 1 },
      });
      expect(created.status).toBe(201);
      const { body } = await api('POST', `/api/schedules/${scheduleId}/run`);
      const jobId = body.job.id;
      await status(jobId, 'running');
      const early = await api('POST', `/api/jobs/${jobId}/rerun`);
      expect(early.status).toBe(409);
      expect(early.body.error.code).toBe('job_not_finished');

      const cancelled = await api('POST', `/api/jobs/${jobId}/cancel`);
      expect(cancelled.status).toBe(200);
      expect(cancelled.body.job).toMatchObject({
        id: jobId,
        status: 'cancelled',
        attempt: 1,
        result: null,
        error: { code: 'cancelled' },
      });
      // The block handler saw its signal fire, for the cancel (the loop records the attempt
      // cancelled even when a handler ignores its signal, so this is asked of the handler).
      expect(master().aborted).toContainEqual({ jobId, reason: 'cancelled' });
      expect((await api('GET', `/api/jobs/${jobId}`)).body.job).toMatchObject({
        status: 'cancelled',
        attempt: 1,
      });

      const again = await api('POST', `/api/jobs/${jobId}/cancel`);
      expect(again.status).toBe(409);
      expect(again.body.error).toMatchObject({
        code: 'job_finished',
        message: expect.stringContaining(jobId),
      });
      expect((await api('POST', '/api/jobs/no-such-job/cancel')).status).toBe(404);
    });

    it('POST /api/jobs/:id/rerun queues a new job for the same task and args (202); an unfinished one is 409', async () => {
      const { scheduleId, jobId } = await runJob('echo');
      await finished(jobId);
      const rerun = await api('POST', `/api/jobs/${jobId}/rerun`);
      expect(rerun.status).toBe(202);
      expect(rerun.body.job).toMatchObject({ scheduleId, task: 'echo', args: { n: 1 }, source: 'manual' });
      expect(rerun.body.job.id).not.toBe(jobId);
      expect(await finished(rerun.body.job.id)).toMatchObject({
        status: 'succeeded',
        result: { echoed: { n: 1 } },
      });
      expect((await api('POST', '/api/jobs/no-such-job/rerun')).status).toBe(404);
    });
  });

  describe('handlers and metrics', () => {
    it('GET /api/handlers lists the registered handlers', async () => {
      const id = uniqueId('worker');
      const now = new Date();
      await master().store.upsertHandler(
        {
          id,
          methods: ['echo'],
          zone: 'admin',
          tags: ['eu'],
          capacity: 4,
          status: 'healthy',
          lastSeenAt: now,
          activeJobs: 0,
          successCount: 2,
          failureCount: 0,
          avgDurationMs: 5,
          registeredAt: now,
        },
        'registered',
      );
      const response = await api('GET', '/api/handlers');
      expect(response.status).toBe(200);
      expect(response.body.handlers).toContainEqual(
        expect.objectContaining({ id, methods: ['echo'], status: 'healthy', lastSeenAt: now.toISOString() }),
      );
    });

    it('GET /api/metrics and GET /metrics count jobs, schedules, handlers and lateness', async () => {
      const { jobId } = await runJob('echo');
      await finished(jobId);
      const summary = await api('GET', '/api/metrics');
      expect(summary.status).toBe(200);
      expect(summary.body.jobs.succeeded).toBeGreaterThanOrEqual(1);
      expect(summary.body.schedules.total).toBeGreaterThanOrEqual(1);
      expect(summary.body).toMatchObject({ running: expect.any(Number), uptimeSeconds: expect.any(Number) });
      expect(summary.body.lateness.buckets.length).toBeGreaterThan(0);

      const text = await call(master().app, 'GET', '/metrics', { token: null });
      expect(text.status).toBe(200);
      expect(text.headers.get('content-type')).toContain('text/plain; version=0.0.4');
      expect(text.body).toContain(`schedulezero_jobs{status="succeeded"} ${summary.body.jobs.succeeded}`);
      expect(text.body).toMatch(/schedulezero_schedules\{state="active"\} \d+/);
      expect(text.body).toMatch(/schedulezero_handlers\{status="healthy"\} \d+/);
      expect(text.body).toContain('# TYPE schedulezero_fire_lateness_seconds histogram');
      expect(text.body).toMatch(/schedulezero_fire_lateness_seconds_bucket\{le="\+Inf"\} \d+/);
    });
  });
}
