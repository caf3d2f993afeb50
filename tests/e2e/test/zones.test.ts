import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStore } from '@schedulezero/scheduler-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Subscriber } from 'zeromq';
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

async function expectRefused(domain: string, connect: () => Subscriber): Promise<void> {
  const before = await refusedCount(domain);
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
    const frames = await receiveUntil(socket, () => false, 300);
    expect(frames, `frames received on ${domain}`).toEqual([]);
  } finally {
    socket.close();
  }
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
  });
});
