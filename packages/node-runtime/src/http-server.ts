import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';

/**
 * A node's HTTP listener: bound before the node says it is ready, and closed gracefully — no new
 * connections, idle keep-alive sockets closed at once, requests in flight given until `drain`
 * resolves, then every socket closed.
 */
export interface HttpListener {
  /** The bound base URL, e.g. http://127.0.0.1:8888 (the real port when 0 was configured). */
  url: string;
  port: number;
  /** Stops accepting, runs `drain` (the node's own shutdown), then closes every connection. */
  close(drain?: () => Promise<void>): Promise<void>;
}

export async function listenHttp(
  fetch: (request: Request) => Response | Promise<Response>,
  network: { bindAddress: string; port: number },
): Promise<HttpListener> {
  const server = createAdaptorServer({ fetch });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(network.port, network.bindAddress, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = network.bindAddress.includes(':') ? `[${network.bindAddress}]` : network.bindAddress;
  return {
    url: `http://${host}:${port}`,
    port,
    async close(drain) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      if ('closeIdleConnections' in server) server.closeIdleConnections();
      await drain?.();
      if ('closeAllConnections' in server) server.closeAllConnections();
      await closed;
    },
  };
}

/** A database URL fit for a log line: the password, if any, replaced. */
export function redactDatabaseUrl(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}
