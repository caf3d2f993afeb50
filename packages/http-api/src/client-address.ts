import type { Context } from 'hono';

/**
 * The address of the peer that sent the request, as @hono/node-server hands it in `c.env.incoming`
 * (the TCP socket). Forwarding headers are not read: any client can write them, and a reverse
 * proxy in front of the node makes every request come from the proxy (see docs/security.md).
 */
export function clientAddress(c: Context): string {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  return env?.incoming?.socket?.remoteAddress ?? 'unknown';
}
