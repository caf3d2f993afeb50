import { z } from 'zod';

/** The `api` section: the HTTP API's auth, sessions, limits and proxies, shared by every node that serves one. */

export const MIN_TOKEN_LENGTH = 16;

export function apiSection(defaults: { requireAuth: boolean }) {
  return z.strictObject({
    requireAuth: z.boolean().default(defaults.requireAuth),
    tokens: z
      .array(z.string().min(MIN_TOKEN_LENGTH, `must be at least ${MIN_TOKEN_LENGTH} characters`).max(512))
      .default([]),
    /** Browser origins allowed by CORS, e.g. https://ops.example.com; "*" for any. Empty: no CORS headers. */
    allowedOrigins: z
      .array(
        z
          .string()
          .refine(
            (origin) => origin === '*' || isOrigin(origin),
            'must be "*" or an origin such as https://ops.example.com',
          ),
      )
      .default([]),
    /** Larger request bodies get 413. */
    maxBodyBytes: z
      .number()
      .int()
      .min(1024)
      .max(64 * 1024 * 1024)
      .default(1024 * 1024),
    /** Serves the interactive API page at /docs. */
    docs: z.boolean().default(true),
    /** Serves the public status page at /status and /status.json (default: on a replica of zone dmz). */
    statusPage: z.boolean().optional(),
    /**
     * The URL clients reach this node at (behind a TLS terminator or proxy), e.g.
     * https://scheduler.example.com: the OpenAPI document's `servers`, and https turns on secureCookies.
     */
    publicUrl: z
      .string()
      .refine(isHttpUrl, 'must be an http:// or https:// URL such as https://scheduler.example.com')
      .optional(),
    /** The dashboard's session cookie gets `Secure` (default: on when publicUrl is https). */
    secureCookies: z.boolean().optional(),
    /** Dashboard logins: how long a session lasts after its login, and how many are kept (oldest evicted). */
    sessions: z
      .strictObject({
        ttlSeconds: z
          .number()
          .int()
          .min(60)
          .max(30 * 24 * 3600)
          .default(12 * 3600),
        max: z.number().int().min(1).max(1_000_000).default(1000),
      })
      .prefault({}),
    /** Failed authentication per client address: maxFailures at once, refilled over windowSeconds. */
    authThrottle: z
      .strictObject({
        maxFailures: z.number().int().min(1).max(1_000_000).default(10),
        windowSeconds: z
          .number()
          .positive()
          .max(24 * 3600)
          .default(60),
        maxClients: z.number().int().min(1).max(10_000_000).default(10_000),
      })
      .prefault({}),
    /**
     * Answers of the read API kept per request and data version (bytes, least recently used out;
     * 0 keeps none), and the `max-age` a public node's Cache-Control gives proxies and browsers.
     */
    cache: z
      .strictObject({
        maxBytes: z
          .number()
          .int()
          .min(0)
          .max(4 * 1024 * 1024 * 1024)
          .default(16 * 1024 * 1024),
        maxAgeSeconds: z.number().int().min(0).max(3600).default(1),
      })
      .prefault({}),
    /**
     * Replicas: requests per client address, a token bucket of `burst` refilled at `perSecond`
     * (429 with Retry-After when empty); `perSecond` 0 turns the limit off. Addresses remembered
     * at most: past that the least recently seen is forgotten.
     */
    rateLimit: z
      .strictObject({
        perSecond: z.number().min(0).max(1_000_000).default(100),
        burst: z.number().int().min(1).max(1_000_000).default(200),
        maxClients: z.number().int().min(1).max(10_000_000).default(10_000),
      })
      .prefault({}),
    /** Replicas: requests answered at once; beyond it 503 with Retry-After. 0: no cap. */
    maxInFlight: z.number().int().min(0).max(1_000_000).default(256),
    /**
     * Addresses of reverse proxies in front of the node: for a request from one of them, the
     * client is the last X-Forwarded-For address that is not a listed proxy. Empty: the header is
     * ignored and the client is the TCP peer.
     */
    trustProxy: z.array(z.ipv4().or(z.ipv6())).default([]),
  });
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.host !== '';
  } catch {
    return false;
  }
}

function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === value;
  } catch {
    return false;
  }
}

/** Fail closed: an API that requires auth but knows no token would lock everyone out, or worse, be "fixed" by turning auth off. */
export function requireTokenWithAuth(
  api: { requireAuth: boolean; tokens: readonly string[] },
  context: z.core.$RefinementCtx,
): void {
  if (api.requireAuth && api.tokens.length === 0) {
    context.addIssue({
      code: 'custom',
      path: ['tokens'],
      message: 'api.requireAuth is on but no token is configured: set api.tokens or SCHEDULEZERO_API_TOKEN',
    });
  }
}
