import type { ReadScheduler } from '@schedulezero/scheduler-core';
import type { Hono } from 'hono';
import { loadPublicStatus, statusFeed } from '../data/status-data.ts';
import { statusPage } from '../pages/status.ts';

/**
 * The public status page at /status and its JSON feed at /status.json: no login (on a master
 * too), only the schedules that carry `metadata.public.title`, and only their public fields.
 */
// biome-ignore lint/suspicious/noExplicitAny: any hono app (OpenAPIHono included) whatever its env
export function registerStatusPage(app: Hono<any, any, any>, reads: ReadScheduler, now: () => Date): void {
  const headers = {
    'Cache-Control': 'no-cache',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'same-origin',
    'Content-Security-Policy': "default-src 'none'; style-src 'self'; img-src 'self'; frame-ancestors 'none'",
  };
  app.get('/status', async (c) => {
    const at = now();
    return c.html(statusPage(await loadPublicStatus(reads), at), 200, headers);
  });
  app.get('/status.json', async (c) => {
    const at = now();
    return c.json(statusFeed(await loadPublicStatus(reads), at), 200, {
      ...headers,
      'Access-Control-Allow-Origin': '*',
    });
  });
}
