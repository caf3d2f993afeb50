import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Dealer, Router } from 'zeromq';
import { createLinkWorker } from '../src/worker/link-worker.ts';
import {
  closeAll,
  countTimers,
  eventually,
  expectNoLeakedTimers,
  makeJob,
  openTestStore,
  startLink,
  startWorker,
  track,
} from './helpers.ts';

const MAX_BODY = 1024;

async function rawDealer(endpoint: string, routingId?: string): Promise<Dealer> {
  const dealer = new Dealer({ linger: 0, ...(routingId ? { routingId } : {}) });
  dealer.connect(endpoint);
  track(async () => dealer.close());
  return dealer;
}

describe('a ROUTER fed bad frames from a raw socket', () => {
  beforeEach(countTimers);
  afterEach(async () => {
    await closeAll();
    await expectNoLeakedTimers();
  });

  it('counts malformed, truncated, oversized, unknown-version and forged frames and keeps serving', async () => {
    const store = await openTestStore();
    const { link, endpoint } = await startLink(store, { maxBodyBytes: MAX_BODY });
    const raw = await rawDealer(endpoint, 'raw-1');
    const heartbeat = JSON.stringify({ seq: 1, activeJobs: 0 });
    const register = (handlerId: string) =>
      JSON.stringify({ handlerId, methods: ['echo'], zone: 'z', capacity: 1 });
    const frames: Array<Array<string | Buffer>> = [
      ['1'],
      ['1', 'heartbeat'],
      ['', 'heartbeat', heartbeat],
      ['1', 'heartbeat', heartbeat, 'extra'],
      ['1', 'heartbeat', '{"seq":'],
      ['1', 'heartbeat', Buffer.from([0xc3, 0x28])],
      ['1', 'heartbeat', 'x'.repeat(MAX_BODY + 1)],
      ['2', 'heartbeat', heartbeat],
      ['999', 'register', register('raw-1')],
      ['1', 'explode', '{}'],
      ['1', 'execute', '{}'],
      ['1', 'heartbeat', '{"seq":-1,"activeJobs":0}'],
      ['1', 'register', register('someone-else')],
      ['1', 'result', JSON.stringify({ jobId: 'j', attempt: 1, durationMs: 1, status: 'ok', result: 1 })],
    ];
    for (const message of frames) await raw.send(message);
    // A peer without a routing id gets a random binary one: it cannot be a handler.
    const anonymous = await rawDealer(endpoint);
    await anonymous.send(['1', 'register', register('anon')]);

    await eventually(() =>
      expect(link.stats().frames).toEqual({
        received: frames.length + 1,
        dropped: {
          truncated: 3,
          malformed: 3,
          oversized: 1,
          unknown_version: 2,
          unknown_type: 2,
          invalid: 1,
          identity_mismatch: 2,
          not_registered: 1,
        },
      }),
    );
    expect(link.handlers()).toEqual([]);

    // The ROUTER still serves: a real worker registers and runs a job.
    await startWorker(endpoint, { handlerId: 'good', functions: { echo: () => 'still here' } });
    expect(await link.run(makeJob(), new AbortController().signal)).toMatchObject({
      status: 'succeeded',
      result: 'still here',
    });
  });

  it('survives a frame past the transport limit: ZeroMQ cuts that peer, others carry on', async () => {
    const store = await openTestStore();
    const { link, endpoint } = await startLink(store, { maxBodyBytes: MAX_BODY });
    await startWorker(endpoint, { handlerId: 'good', functions: { echo: () => 'ok' } });
    const raw = await rawDealer(endpoint, 'huge');
    const cut = new Promise((resolve) => raw.events.on('disconnect', resolve));
    // Past maxMessageSize (4 x body + 64 KiB): ZeroMQ drops the connection before the bytes are read.
    await raw.send(['1', 'heartbeat', Buffer.alloc(MAX_BODY * 4 + 128 * 1024, 0x41)]);
    await cut;
    expect(await link.run(makeJob(), new AbortController().signal)).toMatchObject({ status: 'succeeded' });
    // The peer reconnects by itself; a frame under that limit but over the body limit is counted.
    await raw.send(['1', 'heartbeat', 'x'.repeat(MAX_BODY + 10)]);
    await eventually(() => expect(link.stats().frames.dropped).toEqual({ oversized: 1 }));
  });

  it('a worker drops bad frames from a master and keeps working', async () => {
    // A raw ROUTER stands in for the master, so that it can send the worker anything.
    const master = new Router({ linger: 0, mandatory: true });
    await master.bind('tcp://127.0.0.1:*');
    track(async () => master.close());
    const worker = createLinkWorker({
      endpoint: master.lastEndpoint ?? '',
      handlerId: 'w',
      functions: { echo: () => 'ok' },
      capacity: 1,
      zone: 'z',
      registerBackoff: { initialMs: 20, maxMs: 100 },
    });
    await worker.start();
    track(() => worker.close());
    const [identity, , type] = await master.receive();
    expect(String(type)).toBe('register');
    const junk: Array<Array<string | Buffer>> = [
      ['1'],
      ['7', 'registered', '{}'],
      ['1', 'registered', 'not json'],
      ['1', 'registered', '{"handlerId":"w"}'],
      ['1', 'register', '{}'],
    ];
    for (const frames of junk) await master.send([identity as Buffer, ...frames]);
    const registered = { handlerId: 'w', heartbeatIntervalMs: 1000, missedHeartbeats: 3, masterId: 'm' };
    await master.send([identity as Buffer, '1', 'registered', JSON.stringify(registered)]);
    await worker.registered();
    expect(worker.stats()).toMatchObject({
      state: 'registered',
      framesDropped: { truncated: 1, unknown_version: 1, malformed: 1, invalid: 1, unknown_type: 1 },
    });
  });
});
