import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  decodeSyncReply,
  encodeSyncRequest,
  encodeWorkerMessage,
  type SyncReplyMessage,
  type SyncRequestMessage,
} from '@schedulezero/protocol';
import { openStore } from '@schedulezero/scheduler-core';
import { eventually } from '@schedulezero/scheduler-core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dealer, Subscriber } from 'zeromq';
import { CANARY } from '../fixtures/handlers.ts';
import { keyPair, type PlainKeyPair } from '../src/curve-keys.ts';
import { freePort } from '../src/free-port.ts';
import { type ApiClient, apiClient } from '../src/http-client.ts';
import { killLeftovers, type NodeProcess, startNode, writeYaml } from '../src/node-process.ts';
import { dealer, ONE_TRY, poll, receiveUntil, reply, subscriber, syncAnswered } from '../src/zmq-clients.ts';

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
let configFile: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sz-e2e-zones-'));
  for (const zone of ZONES)
    endpoints[zone] = {
      publish: `tcp://127.0.0.1:${await freePort()}`,
      sync: `tcp://127.0.0.1:${await freePort()}`,
    };
  linkEndpoint = `tcp://127.0.0.1:${await freePort()}`;
  configFile = writeYaml(dir, 'master', {
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
  master = startNode('master', 'master', configFile);
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

/**
 * Everything a zone's own replica can ask its sync ROUTER for: the change log from seq 1, page by
 * page, and a whole snapshot. Returns the reply frames as text, as they came over the wire.
 */
async function catchUpWire(zone: Zone): Promise<string[]> {
  const socket = dealer(endpoints[zone].sync, {
    server: serverKeys[zone].publicKey,
    pair: replicaKeys[zone],
  });
  const wire: string[] = [];
  let requests = 0;
  const ask = async (request: SyncRequestMessage): Promise<SyncReplyMessage> => {
    const requestId = `${request.type}-${++requests}`;
    const frames = await reply(socket, encodeSyncRequest({ ...request, requestId }), 5_000, (got) => {
      const decoded = decodeSyncReply(got);
      return decoded.ok && decoded.value.requestId === requestId;
    });
    if (!frames) throw new Error(`${zone}: no answer to ${request.type} request ${requestId}`);
    wire.push(...frames.map((frame) => frame.toString('utf8')));
    const decoded = decodeSyncReply(frames);
    if (!decoded.ok) throw new Error(`${zone}: ${decoded.detail}`);
    return decoded.value;
  };
  try {
    // A replica that has nothing is told the epoch to ask under.
    const first = await ask({
      type: 'sync',
      requestId: '',
      epoch: null,
      fromSeq: 1,
      limit: 1000,
      kinds: null,
    });
    if (first.type !== 'snapshot_required')
      throw new Error(`${zone}: ${first.type} to a replica with nothing`);
    let fromSeq = 1;
    for (;;) {
      const page = await ask({
        type: 'sync',
        requestId: '',
        epoch: first.epoch,
        fromSeq,
        limit: 1000,
        kinds: null,
      });
      if (page.type !== 'changes') throw new Error(`${zone}: ${page.type} to a sync from ${fromSeq}`);
      if (!page.more) break;
      fromSeq = page.lastSeq + 1;
    }
    let snapshotId: string | null = null;
    let offset = 0;
    for (;;) {
      const page = await ask({
        type: 'snapshot',
        requestId: '',
        snapshotId,
        offset,
        limit: 1000,
        kinds: null,
      });
      if (page.type !== 'snapshot_page') throw new Error(`${zone}: ${page.type} to a snapshot request`);
      if (!page.more) break;
      snapshotId = page.snapshotId;
      offset = page.offset + page.records.length;
    }
    return wire;
  } finally {
    socket.close();
  }
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
 * How the master must log a refusal: a key the ZAP handler refused, with that key; a handshake
 * that failed before ZAP was asked (plaintext client, wrong server key), as such.
 */
type Logged = { clientKey: string } | 'handshake failed';

/**
 * Connects a client the endpoint must refuse, once; waits until the master has logged and counted
 * the refusal, then checks it counted exactly one and that nothing got through (`received`
 * returns what the client got).
 */
async function expectRefused<S extends Subscriber | Dealer>(
  domain: string,
  connect: () => S,
  logged: Logged,
  received: (socket: S) => Promise<unknown[]> = (socket) =>
    receiveUntil(socket as Subscriber, () => false, 300),
): Promise<void> {
  const what = `${domain}, ${logged === 'handshake failed' ? logged : `key ${logged.clientKey}`}`;
  const matches = (line: Record<string, unknown>) =>
    line.domain === domain &&
    (logged === 'handshake failed'
      ? String(line.msg).startsWith('ZeroMQ handshake failed')
      : line.msg === 'ZeroMQ connection refused' && line.clientKey === logged.clientKey);
  const before = await refusedCount(domain);
  const loggedBefore = master.logs.filter(matches).length;
  const socket = connect();
  try {
    const counted = await poll(async () => (await refusedCount(domain)) > before, 5_000);
    // The log line is written with the count; stdout may deliver it a moment later.
    const wasLogged = await poll(() => master.logs.filter(matches).length > loggedBefore, 5_000);
    if (!counted || !wasLogged) {
      const refusals = master.logs.filter(
        (line) => String(line.msg).includes('refused') || String(line.msg).includes('handshake'),
      );
      throw new Error(
        `refusal on ${what}: counted ${counted}, logged ${wasLogged}\n${JSON.stringify(refusals.slice(-5))}`,
      );
    }
    expect(await received(socket), `received on ${what}`).toEqual([]);
    expect(await refusedCount(domain), `refusals counted on ${what}`).toBe(before + 1);
    expect(master.logs.filter(matches).length, `refusals logged on ${what}`).toBe(loggedBefore + 1);
  } finally {
    socket.close();
  }
}

/** What a refused catch-up client got back: nothing, or the test fails. */
const syncReplies = async (socket: Dealer) => ((await syncAnswered(socket, 500)) ? ['a sync reply'] : []);

/** What a refused handler got back for its registration: nothing, or the test fails. */
async function linkReplies(socket: Dealer): Promise<unknown[]> {
  const register = encodeWorkerMessage({
    type: 'register',
    handlerId: 'intruder',
    methods: ['leak_result'],
    zone: 'default',
    tags: [],
    capacity: 1,
    running: [],
  });
  if (!register.ok) throw new Error(register.detail);
  return (await reply(socket, register.frames, 500)) ? ['a link reply'] : [];
}

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

  it('answers the DMZ replica’s catch-up (sync from seq 1, snapshot) without the canary', async () => {
    // The schedules of the first test are in every zone's log and snapshot; the admin zone's
    // replies carry the canary, so the same requests would show it on the DMZ wire if it leaked.
    const admin = (await catchUpWire('admin')).join('\n');
    expect(admin).toContain('leaky-result');
    expect(admin).toContain(CANARY);
    const dmz = await catchUpWire('dmz');
    expect(dmz.join('\n')).toContain('leaky-result');
    for (const frame of dmz) expect(frame).not.toContain(CANARY);
  });

  it('refuses every key but the zone’s own, plaintext clients and a wrong server key on every endpoint, logging and counting each', async () => {
    const crossZone: Array<[Zone, Zone]> = [
      ['admin', 'dmz'],
      ['regional', 'dmz'],
      ['dmz', 'admin'],
    ];
    for (const [zone, keyOf] of crossZone) {
      await expectRefused(
        `replication.${zone}`,
        () =>
          subscriber(
            endpoints[zone].publish,
            { server: serverKeys[zone].publicKey, pair: replicaKeys[keyOf] },
            ONE_TRY,
          ),
        { clientKey: replicaKeys[keyOf].publicKey },
      );
    }
    // The zone replica's own pair, but another server's key: the handshake fails before ZAP.
    const wrongServer = keyPair().publicKey;
    for (const zone of ZONES) {
      const domain = `replication.${zone}`;
      const { publish, sync } = endpoints[zone];
      const unknownKey = { server: serverKeys[zone].publicKey, pair: stranger };
      const wrong = { server: wrongServer, pair: replicaKeys[zone] };
      await expectRefused(domain, () => subscriber(publish, unknownKey, ONE_TRY), {
        clientKey: stranger.publicKey,
      });
      await expectRefused(domain, () => subscriber(publish, 'plaintext', ONE_TRY), 'handshake failed');
      await expectRefused(domain, () => subscriber(publish, wrong, ONE_TRY), 'handshake failed');
      await expectRefused(
        domain,
        () => dealer(sync, unknownKey, ONE_TRY),
        { clientKey: stranger.publicKey },
        syncReplies,
      );
      await expectRefused(domain, () => dealer(sync, 'plaintext', ONE_TRY), 'handshake failed', syncReplies);
      await expectRefused(domain, () => dealer(sync, wrong, ONE_TRY), 'handshake failed', syncReplies);
    }
    const link = { server: linkKeys.publicKey, pair: stranger };
    await expectRefused(
      'handlers',
      () => dealer(linkEndpoint, link, ONE_TRY),
      { clientKey: stranger.publicKey },
      linkReplies,
    );
    await expectRefused(
      'handlers',
      () => dealer(linkEndpoint, 'plaintext', ONE_TRY),
      'handshake failed',
      linkReplies,
    );
    await expectRefused(
      'handlers',
      () => dealer(linkEndpoint, { server: wrongServer, pair: stranger }, ONE_TRY),
      'handshake failed',
      linkReplies,
    );
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
  }, 90_000);

  it('refuses a DMZ key on the admin and regional sync ROUTERs and an admin key on the DMZ one, logging and counting each', async () => {
    // The probe is answered where the key belongs, so a refusal below is the key's doing.
    const own = dealer(endpoints.dmz.sync, { server: serverKeys.dmz.publicKey, pair: replicaKeys.dmz });
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
          dealer(
            endpoints[zone].sync,
            { server: serverKeys[zone].publicKey, pair: replicaKeys[keyOf] },
            ONE_TRY,
          ),
        { clientKey: replicaKeys[keyOf].publicKey },
        syncReplies,
      );
    }
  });

  it('never logs, publishes or returns a configured secret key', async () => {
    const secrets = [...ZONES.map((zone) => serverKeys[zone].secretKey), linkKeys.secretKey];
    // The keys are really in the config the master read: the check below looks for the right text.
    expect(readFileSync(configFile, 'utf8')).toContain(secrets[0]);
    const replication = JSON.stringify((await api.call('GET', '/api/replication')).body);
    const handlers = JSON.stringify((await api.call('GET', '/api/handlers')).body);
    expect(replication).toContain(endpoints.dmz.publish.split(':').at(-1));
    for (const secret of secrets) {
      expect(master.output(), 'master log').not.toContain(secret);
      expect(replication, '/api/replication').not.toContain(secret);
      expect(handlers, '/api/handlers').not.toContain(secret);
    }
  });
});
