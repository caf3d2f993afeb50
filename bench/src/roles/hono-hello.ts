import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import { Hono } from 'hono';
import { roleParams, serveRole } from '../lib/role.ts';

/** The ceiling of the API workload: a hono hello-world on the same Node HTTP server adaptor. */
roleParams<unknown>();
let server: ReturnType<typeof createAdaptorServer> | undefined;

serveRole(
  async () => {
    const app = new Hono();
    app.get('/', (c) => c.json({ hello: 'world' }));
    const s = createAdaptorServer({ fetch: app.fetch });
    server = s;
    await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
    return { port: () => (s.address() as AddressInfo).port };
  },
  async () => {
    server?.close();
  },
);
