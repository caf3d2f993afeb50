import type { Context, MiddlewareHandler } from 'hono';

/** Addresses read from X-Forwarded-For, by request (set by `forwardedClients`). */
const forwarded = new WeakMap<Request, string>();

/**
 * The address of the client that sent the request: the TCP peer as @hono/node-server hands it in
 * `c.env.incoming`, or, when that peer is a trusted reverse proxy (`api.trustProxy`), the address
 * the proxies forwarded. Forwarding headers of any other peer are ignored: any client can write
 * them (see docs/security.md).
 */
export function clientAddress(c: Context): string {
  return forwarded.get(c.req.raw) ?? peerAddress(c);
}

function peerAddress(c: Context): string {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  return env?.incoming?.socket?.remoteAddress ?? 'unknown';
}

/**
 * Believes X-Forwarded-For of a request whose peer is one of `proxies`: the client is the last
 * address of the header that is not itself a trusted proxy (each proxy appends the peer it saw;
 * what a client wrote itself stays to the left).
 */
export function forwardedClients(proxies: readonly string[]): MiddlewareHandler {
  const trusted = new Set(proxies.map(plainAddress));
  return async (c, next) => {
    if (trusted.has(plainAddress(peerAddress(c)))) {
      const hops = (c.req.header('x-forwarded-for') ?? '').split(',').map((hop) => plainAddress(hop.trim()));
      const client = hops.reverse().find((hop) => hop !== '' && !trusted.has(hop));
      if (client !== undefined) forwarded.set(c.req.raw, client);
    }
    await next();
  };
}

/** An IPv4 peer of a dual-stack socket comes as `::ffff:10.0.0.1`. */
function plainAddress(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}
