import type { OpenAPIHono } from '@hono/zod-openapi';
import { createNodeApp, type NodeAppOptions } from '@schedulezero/http-api';
import type { Scheduler } from '@schedulezero/scheduler-core';

export interface MasterAppOptions extends Omit<NodeAppOptions, 'reads' | 'mutations' | 'readOnly'> {
  scheduler: Scheduler;
}

/** The master's HTTP API: the shared node app, read-write over the master's scheduler. */
export function createMasterApp(options: MasterAppOptions): OpenAPIHono {
  const { scheduler, ...rest } = options;
  return createNodeApp({ ...rest, reads: scheduler, mutations: scheduler, readOnly: false });
}
