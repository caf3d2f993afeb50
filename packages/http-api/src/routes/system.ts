import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { metricsSummarySchema } from '@schedulezero/protocol';
import type { ReadScheduler } from '@schedulezero/scheduler-core';
import { z } from 'zod';
import { errorResponses, jsonContent } from '../openapi/openapi-helpers.ts';
import { type MetricFamily, PROMETHEUS_CONTENT_TYPE, renderPrometheus } from '../prometheus.ts';
import type { AppLogger } from '../types.ts';

export interface SystemRoutesOptions {
  scheduler: ReadScheduler;
  logger: AppLogger;
  node: string;
  startedAt: Date;
  /** False once shutdown began: readiness fails so that load balancers stop sending traffic. */
  accepting: () => boolean;
  /** A cheap database round trip for readiness; defaults to the scheduler's stats. */
  ping?: () => Promise<void>;
  /**
   * Why the node is not ready beyond the database (a replica behind its master), or undefined
   * when it is: /readyz answers 503 with that reason.
   */
  notReady?: () => string | undefined;
  /** What the node's other components count (handler link, ZAP): JSON for /api/metrics, families for /metrics. */
  components?: () => ComponentMetrics;
}

export interface ComponentMetrics {
  summary: Record<string, unknown>;
  families: MetricFamily[];
}

const probeSchema = z.object({ status: z.string(), reason: z.string().optional() });

export function registerSystemRoutes(app: OpenAPIHono, options: SystemRoutesOptions): void {
  const { scheduler } = options;
  const uptimeSeconds = () => (Date.now() - options.startedAt.getTime()) / 1000;

  async function summary() {
    const [stats, handlers] = await Promise.all([scheduler.stats(), scheduler.listHandlers()]);
    const byStatus: Record<string, number> = {};
    for (const handler of handlers) byStatus[handler.status] = (byStatus[handler.status] ?? 0) + 1;
    return { stats, handlers, byStatus };
  }

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/metrics',
      operationId: 'getMetricsSummary',
      tags: ['operations'],
      summary: 'Counts of schedules, jobs and handlers, and fire lateness',
      responses: { 200: jsonContent(metricsSummarySchema, 'Summary'), ...errorResponses(401) },
    }),
    async (c) => {
      const { stats, handlers, byStatus } = await summary();
      return c.json(
        {
          schedules: stats.schedules,
          jobs: stats.jobs,
          running: stats.running,
          handlers: { total: handlers.length, byStatus },
          lateness: stats.lateness,
          throttled: stats.throttled,
          components: options.components?.().summary ?? {},
          uptimeSeconds: uptimeSeconds(),
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/metrics',
      operationId: 'getPrometheusMetrics',
      tags: ['operations'],
      summary: 'Prometheus metrics (text exposition format)',
      responses: { 200: { description: 'Metrics', content: { 'text/plain': { schema: z.string() } } } },
    }),
    async (c) => {
      const { stats, handlers } = await summary();
      const extra = options.components?.().families ?? [];
      const text = renderPrometheus({
        stats,
        handlers,
        node: options.node,
        uptimeSeconds: uptimeSeconds(),
        extra,
      });
      return c.text(text, 200, { 'content-type': PROMETHEUS_CONTENT_TYPE });
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/healthz',
      operationId: 'getLiveness',
      tags: ['operations'],
      summary: 'Liveness: 200 while the process serves',
      responses: { 200: jsonContent(probeSchema, 'Alive') },
    }),
    (c) => c.json({ status: 'ok' }, 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/readyz',
      operationId: 'getReadiness',
      tags: ['operations'],
      summary:
        'Readiness: 200 when the database answers, the node is not shutting down and (replica) it is caught up',
      responses: { 200: jsonContent(probeSchema, 'Ready'), 503: jsonContent(probeSchema, 'Not ready') },
    }),
    async (c) => {
      if (!options.accepting()) return c.json({ status: 'unavailable', reason: 'shutting down' }, 503);
      try {
        await (options.ping ? options.ping() : scheduler.stats());
      } catch (error) {
        options.logger.warn({ err: error }, 'readiness check failed');
        return c.json({ status: 'unavailable', reason: 'database unreachable' }, 503);
      }
      const reason = options.notReady?.();
      if (reason !== undefined) return c.json({ status: 'unavailable', reason }, 503);
      return c.json({ status: 'ok' }, 200);
    },
  );
}
