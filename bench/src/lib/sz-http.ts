import { createAdaptorServer } from '@hono/node-server';
import type { DataVersion } from '@schedulezero/http-api';
import { createMasterApp, masterConfigSchema } from '@schedulezero/master';
import type { Scheduler } from '@schedulezero/scheduler-core';

/**
 * Serves the master's HTTP API (auth off) over `scheduler` on 127.0.0.1:`port` (0 = any free
 * port); with the store's `dataVersion` (the scheduler's store seen through masterDataVersion),
 * its reads carry ETags and are cached as on a running master.
 */
export async function serveApi(
  scheduler: Scheduler,
  port: number,
  dataVersion?: DataVersion,
): Promise<ReturnType<typeof createAdaptorServer>> {
  const api = masterConfigSchema.parse({ api: { requireAuth: false } }).api;
  const silent = { debug() {}, info() {}, warn() {}, error() {} };
  const app = createMasterApp({ scheduler, api, logger: silent, node: 'bench-master', dataVersion });
  const server = createAdaptorServer({ fetch: app.fetch });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return server;
}
