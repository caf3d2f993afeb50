import type { Logger } from '@schedulezero/scheduler-core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Dealer, Router } from 'zeromq';
import { createLinkWorker } from '../src/worker/link-worker.ts';
import {
  closeAll,
  countTimers,
  eventually,
  expectNoLeakedTimers,
  openTestStore,
  startLink,
  track,
} from './helpers.ts';

/** A registration or result the master refuses is answered with an `error` frame, not silence. */

async function rawDealer(endpoint: string, routingId?: string): Promise<Dealer> {
  const dealer = new Dealer({ linger: 0, receiveTimeout: 5_000, ...(routingId ? { routingId } : {}) });
  dealer.connect(endpoint);
  track(async () => dealer.close());
  return dealer;
}

async function answer(
  dealer: Dealer,
): Promise<{ version: string; type: string; body: Record<string, unknown> }> {
  const [version, type, body] = await dealer.receive();
  return { version: String(version), type: String(type), body: JSON.parse(String(body)) };
}

const register = (handlerId: string) =>
  JSON.stringify({ handlerId, methods: ['echo'], zone: 'z', capacity: 1 });

describe('refusals on the handler link', () => {
  beforeEach(countTimers);
  afterEach(async () => {
    await closeAll();
    await expectNoLeakedTimers();
  });

  it('answers a register for another handler id with identity_mismatch', async () => {
    const { link, endpoint } = await startLink(await openTestStore());
    const raw = await rawDealer(endpoint, 'raw-1');
    await raw.send(['1', 'register', register('someone-else')]);
    expect(await answer(raw)).toEqual({
      version: '1',
      type: 'error',
      body: {
        code: 'identity_mismatch',
        refused: 'register',
        message: expect.stringContaining('"someone-else" but the routing id is "raw-1"'),
      },
    });
    expect(link.stats().frames.dropped).toEqual({ identity_mismatch: 1 });
    expect(link.handlers()).toEqual([]);
  });

  it('answers a peer whose routing id is not a handler id (none set) with identity_mismatch', async () => {
    const { endpoint } = await startLink(await openTestStore());
    const anonymous = await rawDealer(endpoint);
    await anonymous.send(['1', 'register', register('anon')]);
    const { type, body } = await answer(anonymous);
    expect(type).toBe('error');
    expect(body).toMatchObject({ code: 'identity_mismatch', refused: 'register' });
    expect(body.message).toContain("set the socket's routing id to the handler id");
  });

  it('answers a result from a handler that never registered with not_registered', async () => {
    const { link, endpoint } = await startLink(await openTestStore());
    const raw = await rawDealer(endpoint, 'stranger');
    await raw.send([
      '1',
      'result',
      JSON.stringify({ jobId: 'j', attempt: 1, durationMs: 1, status: 'ok', result: 1 }),
    ]);
    expect(await answer(raw)).toEqual({
      version: '1',
      type: 'error',
      body: { code: 'not_registered', refused: 'result', message: expect.stringContaining('register first') },
    });
    expect(link.stats().frames.dropped).toEqual({ not_registered: 1 });
  });

  it('the worker logs an error frame from the master as an error that says what was refused', async () => {
    // A raw ROUTER stands in for the master, so that it can refuse the worker's registration.
    const master = new Router({ linger: 0, mandatory: true });
    await master.bind('tcp://127.0.0.1:*');
    track(async () => master.close());
    const errors: Array<{ fields: object; message?: string }> = [];
    const ignore = () => {};
    const logger: Logger = {
      debug: ignore,
      info: ignore,
      warn: ignore,
      error: (fields, message) => errors.push({ fields, ...(message ? { message } : {}) }),
    };
    const worker = createLinkWorker({
      endpoint: master.lastEndpoint ?? '',
      handlerId: 'w',
      functions: { echo: () => 'ok' },
      capacity: 1,
      zone: 'z',
      logger,
      registerBackoff: { initialMs: 20, maxMs: 100 },
    });
    await worker.start();
    track(() => worker.close());
    const [identity, , type] = await master.receive();
    expect(String(type)).toBe('register');
    const refusal = { code: 'identity_mismatch', refused: 'register', message: 'names another handler' };
    await master.send([identity as Buffer, '1', 'error', JSON.stringify(refusal)]);
    await eventually(() =>
      expect(errors).toContainEqual({
        fields: { code: 'identity_mismatch', refused: 'register', detail: 'names another handler' },
        message: "the master refused this worker's register: names another handler",
      }),
    );
    expect(worker.stats().framesDropped).toEqual({});
  });
});
