import { createReadOnlyScheduler, openReplicaStore, type ReplicaStore } from '@schedulezero/scheduler-core';
import { afterEach, describe, expect, it } from 'vitest';
import { createNodeApp } from '../../src/node-app.ts';

const logger = { debug() {}, info() {}, warn() {}, error() {} };
let store: ReplicaStore | undefined;

afterEach(async () => {
  await store?.close();
  store = undefined;
});

async function replicaApp(options: { trustProxy?: string[]; now: () => number; maxInFlight?: number }) {
  store = await openReplicaStore('sqlite::memory:');
  const app = createNodeApp({
    reads: createReadOnlyScheduler({ store }),
    readOnly: true,
    api: {
      requireAuth: false,
      tokens: [],
      allowedOrigins: [],
      maxBodyBytes: 1 << 20,
      docs: false,
      rateLimit: { perSecond: 2, burst: 3, maxClients: 100 },
      maxInFlight: options.maxInFlight ?? 100,
      trustProxy: options.trustProxy ?? [],
    },
    logger,
    now: options.now,
    dashboard: false,
  });
  // As @hono/node-server hands the TCP peer to the app.
  const from = (peer: string, headers: Record<string, string> = {}, path = '/api/schedules') =>
    app.request(path, { headers }, { incoming: { socket: { remoteAddress: peer } } });
  return { app, from };
}

describe('per-address rate limit on a replica', () => {
  it('answers 429 with Retry-After past the burst, per address, and recovers as the bucket refills', async () => {
    let nowMs = 1_000_000;
    const { from } = await replicaApp({ now: () => nowMs });
    for (let i = 0; i < 3; i += 1) expect((await from('10.0.0.1')).status).toBe(200);
    const refused = await from('10.0.0.1');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('rate_limited');
    // Another address has its own bucket; probes are never limited.
    expect((await from('10.0.0.2')).status).toBe(200);
    expect((await from('10.0.0.1', {}, '/healthz')).status).toBe(200);

    nowMs += 500; // one more request at 2/s
    expect((await from('10.0.0.1')).status).toBe(200);
    expect((await from('10.0.0.1')).status).toBe(429);
    nowMs += 1_500;
    for (let i = 0; i < 3; i += 1) expect((await from('10.0.0.1')).status).toBe(200);
  });

  it('believes X-Forwarded-For only from a configured proxy', async () => {
    const { from } = await replicaApp({ now: () => 0, trustProxy: ['10.9.9.9'] });
    // A client that writes the header itself is limited by its own address all the same.
    for (let i = 0; i < 3; i += 1)
      expect((await from('10.0.0.1', { 'x-forwarded-for': `192.0.2.${i}` })).status).toBe(200);
    expect((await from('10.0.0.1', { 'x-forwarded-for': '192.0.2.99' })).status).toBe(429);
    // Behind the proxy, each forwarded client has its own bucket (the proxy's own address does not count).
    for (let i = 0; i < 3; i += 1)
      expect((await from('::ffff:10.9.9.9', { 'x-forwarded-for': `6.6.6.6, 192.0.2.7` })).status).toBe(200);
    expect((await from('10.9.9.9', { 'x-forwarded-for': '192.0.2.7' })).status).toBe(429);
    expect((await from('10.9.9.9', { 'x-forwarded-for': '192.0.2.8' })).status).toBe(200);
  });

  it('answers 503 with Retry-After beyond the requests it may answer at once', async () => {
    const { from } = await replicaApp({ now: () => 0, maxInFlight: 1 });
    const answers = await Promise.all([from('10.0.0.1'), from('10.0.0.2')]);
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 503]);
    const refused = answers.find((answer) => answer.status === 503);
    expect(refused?.headers.get('retry-after')).toBe('1');
    expect((await from('10.0.0.3')).status).toBe(200);
  });
});
