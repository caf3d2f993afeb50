import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeSyncReply, encodeSyncRequest } from '@schedulezero/protocol';
import { openStore } from '@schedulezero/scheduler-core';
import { eventually } from '@schedulezero/scheduler-core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Dealer, Subscriber } from 'zeromq';
import { CANARY } from '../fixtures/handlers.ts';
import { keyPair, type PlainKeyPair } from '../src/curve-keys.ts';
import { freePort } from '../src/free-port.ts';
import { type ApiClient, apiClient } from '../src/http-client.ts';
import { killLeftovers, type NodeProcess, startNode, writeYaml } from '../src/node-process.ts';

/**
 * Zones on a real master: each zone's stream on its own CURVE endpoints and keys, filtered before
 * it is written, and refused to every key that is not its own.
 */

const FIXTURES = fileURLToPath(new URL('../fixtures/handlers.ts', import.meta.url));
const TOKEN = 'e2e-token-0123456789';
const ZONES = ['admin', 'regional', 'dmz'] as const;
type Zone = (typeof ZONES)[number];
const SENSITIVE_KEYS = [
  'api_key',
  'apikey',
  'token',
  'password',
  'passwd',
  'secret',
  'webhook_url',
  'authorization',
  'private_key',
  'credential',
];

let dir: string;
let master: NodeProcess;
let api: ApiClient;
const serverKeys = Object.fromEntries(ZONES.map((zone) => [zone, keyPair()])) as Record<Zone, PlainKeyPair>;
const replicaKeys = Object.fromEntries(ZONES.map((zone) => [zone, keyPair()])) as Record<Zone, PlainKeyPair>;
const linkKeys = keyPair();
const stranger = keyPair();
const endpoints = {} as Record<Zone, { publish: string; sync: string }>;
let linkEndpoint: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sz-e2e-zones-'));
  for (const zone of ZONES)
    endpoints[zone] = {
      publish: `tcp://127.0.0.1:${await freePort()}`,
      sync: `tcp://127.0.0.1:${await freePort()}`,
    };
  linkEndpoint = `tcp://127.0.0.1:${await freePort()}`;
  const config = writeYaml(dir, 'master', {
    node: { type: 'master', name: 'zones-master', shutdownGraceSeconds: 5 },
    network: { port: 0 },
    database: { url: `sqlite:${join(dir, 'master.db')}` },
    api: { tokens: [TOKEN] },
    handlers: { modules: [FIXTURES], bind: linkEndpoint, secretKey: linkKeys.secretKey, clientKeys: [] },
    replication: {
      heartbeatMs: 200,
      zones: Object.fromEntries(
        ZONES.map((zone) => [
          zone,
          {
            ...endpoints[zone],
            policy: zone,
            secretKey: serverKeys[zone].secretKey,
            clientKeys: [replicaKeys[zone].publicKey],
          },
        ]),
      ),
    },
    logging: { level: 'info' },
  });
  master = startNode('master', 'master', config);
  const listening = await master.waitForLog((line) => line.msg === 'listening');
  api = apiClient(String(listening.url), TOKEN);
});

afterAll(async () => {
  const code = await master?.stop('SIGTERM');
  const leaked = await killLeftovers();
  rmSync(dir, { recursive: true, force: true });
  expect(code).toBe(0);
  expect(leaked).toBe(0);
});

function subscriber(endpoint: string, keys: { server?: string; pair?: PlainKeyPair }): Subscriber {
  const socket = new Subscriber({ linger: 0 });
  if (keys.server && keys.pair) {
    socket.curveServerKey = keys.server;
    socket.curvePublicKey = keys.pair.publicKey;
    socket.curveSecretKey = keys.pair.secretKey;
  }
  socket.subscribe(); // every topic
  socket.connect(endpoint);
  return socket;
}

/** A catch-up client on a zone's sync ROUTER, as a replica's is: a DEALER with CURVE. */
function syncClient(endpoint: string, keys: { server: string; pair: PlainKeyPair }): Dealer {
  const socket = new Dealer({ linger: 0, sendTimeout: 0, receiveTimeout: 100 });
  socket.curveServerKey = keys.server;
  socket.curvePublicKey = keys.pair.publicKey;
  socket.curveSecretKey = keys.pair.secretKey;
  socket.connect(endpoint);
  return socket;
}

/**
 * Sends a catch-up request from the first page until `timeoutMs` runs out and returns whether a
 * reply came. A refused client has no connection: its sends find no peer (EAGAIN) and nothing
 * comes back.
 */
async function syncAnswered(socket: Dealer, timeoutMs: number): Promise<boolean> {
  const request = encodeSyncRequest({
    type: 'sync',
    requestId: 'probe',
    epoch: null,
    fromSeq: 1,
    limit: 10,
    kinds: null,
  });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      await socket.send(request);
    } catch (error) {
      if ((error as { code?: string }).code !== 'EAGAIN') throw error;
    }
    try {
      return decodeSyncReply(await socket.receive()).ok;
    } catch (error) {
      if ((error as { code?: string }).code !== 'EAGAIN') throw error;
    }
  }
  return false;
}

/** Receives frames until `done` says so or time runs out; returns them as text. */
async function receiveUntil(
  socket: Subscriber,
  done: (frames: string[][]) => boolean,
  timeoutMs: number,
): Promise<string[][]> {
  socket.receiveTimeout = 100;
  const frames: string[][] = [];
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !done(frames)) {
    try {
      frames.push((await socket.receive()).map((frame) => frame.toString('latin1')));
    } catch (error) {
      if ((error as { code?: string }).code !== 'EAGAIN') throw error;
    }
  }
  return frames;
}

async function refusedCount(domain: string): Promise<number> {
  const metrics = await api.text('/metrics');
  const match = metrics.match(
    new RegExp(
      `schedulezero_zeromq_connections_refused_total\\{domain="${domain.replace('.', '\\.')}"\\} (\\d+)`,
    ),
  );
  return match ? Number(match[1]) : 0;
}

/**
 * Connects a client the endpoint must refuse; waits until the master counts the refusal, then
 * checks that nothing got through (`received` returns what the client got) and, for a client
 * whose key the ZAP handler judged, that the refusal was logged with that key.
 */
async function expectRefused<S extends Subscriber | Dealer>(
  domain: string,
  connect: () => S,
  options: { received?: (socket: S) => Promise<unknown[]>; loggedKey?: string } = {},
): Promise<void> {
  const before = await refusedCount(domain);
  const logged = () =>
    master.logs.filter(
      (line) =>
        line.msg === 'ZeroMQ connection refused' &&
        line.domain === domain &&
        line.clientKey === options.loggedKey,
    ).length;
  const loggedBefore = logged();
  const socket = connect();
  try {
    const deadline = Date.now() + 5_000;
    while ((await refusedCount(domain)) <= before) {
      if (Date.now() > deadline) {
        const refusals = master.logs.filter(
          (line) => String(line.msg).includes('refused') || String(line.msg).includes('handshake'),
        );
        throw new Error(
          `no refusal counted on ${domain}\n${JSON.stringify(refusals)}\n${(await api.text('/metrics'))
            .split('\n')
            .filter((l) => l.includes('refused'))
            .join('\n')}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const received = options.received
      ? await options.received(socket)
      : await receiveUntil(socket as Subscriber, () => false, 300);
    expect(received, `received on ${domain}`).toEqual([]);
    if (options.loggedKey !== undefined) {
      // The log line is written with the count; stdout may deliver it a moment later.
      const logDeadline = Date.now() + 5_000;
      while (logged() <= loggedBefore && Date.now() < logDeadline)
        await new Promise((resolve) => setTimeout(resolve, 20));
      expect(logged(), `refusal of ${options.loggedKey} logged on ${domain}`).toBeGreaterThan(loggedBefore);
    }
  } finally {
    socket.close();
  }
}

/** What a refused catch-up client got back: nothing, or the test fails. */
const syncReplies = async (socket: Dealer) => ((await syncAnswered(socket, 500)) ? ['a sync reply'] : []);

describe('zones on the master', () => {
  it('sends a DMZ subscriber of every topic only DMZ data: no canary on the wire or in the DMZ change log', async () => {
    const dmz = subscriber(endpoints.dmz.publish, {
      server: serverKeys.dmz.publicKey,
      pair: replicaKeys.dmz,
    });
    const admin = subscriber(endpoints.admin.publish, {
      server: serverKeys.admin.publicKey,
      pair: replicaKeys.admin,
    });
    try {
      // Both subscribers are in once heartbeats reach them.
      for (const socket of [dmz, admin])
        expect((await receiveUntil(socket, (f) => f.length > 0, 5_000)).length).toBeGreaterThan(0);
      const secrets = Object.fromEntries(SENSITIVE_KEYS.map((key) => [key, CANARY]));
      for (const [id, task] of [
        ['leaky-result', 'leak_result'],
        ['leaky-error', 'leak_error'],
      ] as const) {
        const created = await api.call('POST', '/api/schedules', {
          id,
          task,
          trigger: { type: 'interval', seconds: 3600 },
          args: { ...secrets, nested: { ...secrets }, visible: CANARY },
          metadata: { ...secrets, deep: { list: [{ ...secrets }] }, owner: 'ops' },
        });
        expect(created.status).toBe(201);
        expect((await api.call('POST', `/api/schedules/${id}/run`)).status).toBe(202);
      }
      const executed = (frames: string[][]) =>
        frames.filter((frame) => frame[0] === 'job.executed').length >= 2;
      const dmzFrames = await receiveUntil(dmz, executed, 10_000);
      const adminFrames = await receiveUntil(admin, executed, 10_000);
      expect(executed(dmzFrames)).toBe(true);
      expect(executed(adminFrames)).toBe(true);
      // The admin zone sees everything: the canary is really there to be leaked.
      expect(adminFrames.flat().join('\n')).toContain(CANARY);
      expect(dmzFrames.map((frame) => frame[0])).toEqual(
        expect.arrayContaining(['schedule.created', 'job.executed']),
      );
      expect(dmzFrames.flat().join('\n')).not.toContain(CANARY);
      expect(dmzFrames.flat().join('\n')).not.toContain('handler.');
    } finally {
      dmz.close();
      admin.close();
    }

    const store = await openStore(`sqlite:${join(dir, 'master.db')}`);
    try {
      const dmzLog = JSON.stringify(await store.readChanges('dmz', 1, 10_000));
      const regionalLog = JSON.stringify(await store.readChanges('regional', 1, 10_000));
      const adminLog = JSON.stringify(await store.readChanges('admin', 1, 10_000));
      expect(dmzLog).toContain('leaky-result');
      expect(dmzLog).not.toContain(CANARY);
      expect(adminLog).toContain(CANARY);
      // Regional keeps args and results but not what sits under a sensitive key.
      expect(regionalLog).not.toMatch(new RegExp(`"(${SENSITIVE_KEYS.join('|')})":`));
    } finally {
      await store.close();
    }
  });

  it('refuses every key but the zone’s own, plaintext clients and a wrong server key, and counts each', async () => {
    await expectRefused('replication.admin', () =>
      subscriber(endpoints.admin.publish, { server: serverKeys.admin.publicKey, pair: replicaKeys.dmz }),
    );
    await expectRefused('replication.regional', () =>
      subscriber(endpoints.regional.publish, {
        server: serverKeys.regional.publicKey,
        pair: replicaKeys.dmz,
      }),
    );
    await expectRefused('replication.dmz', () =>
      subscriber(endpoints.dmz.publish, { server: serverKeys.dmz.publicKey, pair: replicaKeys.admin }),
    );
    for (const zone of ZONES) {
      await expectRefused(`replication.${zone}`, () =>
        subscriber(endpoints[zone].publish, { server: serverKeys[zone].publicKey, pair: stranger }),
      );
      await expectRefused(`replication.${zone}`, () =>
        subscriber(endpoints[zone].sync, { server: serverKeys[zone].publicKey, pair: stranger }),
      );
      await expectRefused(`replication.${zone}`, () => subscriber(endpoints[zone].publish, {}));
    }
    await expectRefused('handlers', () =>
      subscriber(linkEndpoint, { server: linkKeys.publicKey, pair: stranger }),
    );
    // The DMZ replica's own pair, but the admin zone's server key: the handshake fails on the DMZ endpoint.
    await expectRefused('replication.dmz', () =>
      subscriber(endpoints.dmz.publish, { server: serverKeys.admin.publicKey, pair: replicaKeys.dmz }),
    );
    expect(
      master.logs.filter((line) => line.msg === 'ZeroMQ connection refused').length,
    ).toBeGreaterThanOrEqual(8);
    // A refused client is no subscriber: once the master has closed their connections, no zone
    // counts one.
    await eventually(async () => {
      const status = (await api.call('GET', '/api/replication')).body as {
        zones: Array<{ zone: string; subscribers: number }>;
      };
      expect(status.zones.map((zone) => [zone.zone, zone.subscribers])).toEqual(
        ZONES.map((zone) => [zone, 0]),
      );
    });
  });

  it('refuses a DMZ key on the admin and regional sync ROUTERs and an admin key on the DMZ one, logging and counting each', async () => {
    // The probe is answered where the key belongs, so a refusal below is the key's doing.
    const own = syncClient(endpoints.dmz.sync, { server: serverKeys.dmz.publicKey, pair: replicaKeys.dmz });
    try {
      expect(await syncAnswered(own, 5_000)).toBe(true);
    } finally {
      own.close();
    }
    const cases: Array<[Zone, Zone]> = [
      ['admin', 'dmz'],
      ['regional', 'dmz'],
      ['dmz', 'admin'],
    ];
    for (const [zone, keyOf] of cases) {
      await expectRefused(
        `replication.${zone}`,
        () =>
          syncClient(endpoints[zone].sync, { server: serverKeys[zone].publicKey, pair: replicaKeys[keyOf] }),
        { received: syncReplies, loggedKey: replicaKeys[keyOf].publicKey },
      );
    }
  });
});
