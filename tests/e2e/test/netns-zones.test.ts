import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CANARY } from '../fixtures/handlers.ts';
import { keyPair } from '../src/curve-keys.ts';
import {
  canConnect,
  createZoneHosts,
  httpFrom,
  namespacesUnavailable,
  type ZoneHosts,
} from '../src/netns.ts';
import { killLeftovers, type NodeProcess, startNode, writeYaml } from '../src/node-process.ts';

/**
 * The topology across hosts: a master on an admin host, a public replica on a DMZ host and a
 * handler worker on a regional host, each host a network namespace behind the firewall rules of
 * deploy/firewall (as docs/security.md describes them).
 */

const unavailable = namespacesUnavailable();
if (unavailable)
  console.warn(`ZONE TEST NOT RUN: network namespaces are not available here (${unavailable}).`);

const FIREWALL = fileURLToPath(new URL('../../../deploy/firewall', import.meta.url));
const FIXTURES = fileURLToPath(new URL('../fixtures/handlers.ts', import.meta.url));
const TOKEN = 'zone-test-token-0123456789';

describe.skipIf(unavailable !== null)('zones across network namespaces', () => {
  let hosts: ZoneHosts;
  let dir: string;
  const nodes: NodeProcess[] = [];
  const keys = {
    link: keyPair(),
    dmz: keyPair(),
    regional: keyPair(),
    admin: keyPair(),
    handler: keyPair(),
    dmzReplica: keyPair(),
  };

  beforeAll(async () => {
    hosts = createZoneHosts(FIREWALL);
    dir = mkdtempSync(join(tmpdir(), 'sz-netns-'));
    const master = writeYaml(dir, 'master', {
      node: { type: 'master', name: 'admin-master', shutdownGraceSeconds: 5 },
      network: { bindAddress: '0.0.0.0', port: 8888 },
      database: { url: `sqlite:${join(dir, 'master.db')}` },
      api: { tokens: [TOKEN] },
      handlers: {
        bind: 'tcp://0.0.0.0:5555',
        secretKey: keys.link.secretKey,
        clientKeys: [keys.handler.publicKey],
      },
      replication: {
        heartbeatMs: 200,
        zones: {
          admin: {
            publish: 'tcp://0.0.0.0:5560',
            sync: 'tcp://0.0.0.0:5561',
            policy: 'admin',
            secretKey: keys.admin.secretKey,
          },
          dmz: {
            publish: 'tcp://0.0.0.0:5562',
            sync: 'tcp://0.0.0.0:5563',
            policy: 'dmz',
            secretKey: keys.dmz.secretKey,
            clientKeys: [keys.dmzReplica.publicKey],
          },
          regional: {
            publish: 'tcp://0.0.0.0:5564',
            sync: 'tcp://0.0.0.0:5565',
            policy: 'regional',
            secretKey: keys.regional.secretKey,
          },
        },
      },
    });
    const replica = writeYaml(dir, 'dmz-replica', {
      node: { type: 'replica', name: 'dmz-replica', zone: 'dmz' },
      network: { bindAddress: '0.0.0.0', port: 8889 },
      database: { url: `sqlite:${join(dir, 'dmz-replica.db')}` },
      replication: {
        zone: 'dmz',
        master: {
          publish: `tcp://${hosts.dmz.adminAddress}:5562`,
          sync: `tcp://${hosts.dmz.adminAddress}:5563`,
          serverKey: keys.dmz.publicKey,
        },
      },
      security: keys.dmzReplica,
    });
    const handler = writeYaml(dir, 'handler', {
      node: { type: 'handler', name: 'regional-worker', zone: 'regional' },
      worker: {
        master: `tcp://${hosts.regional.adminAddress}:5555`,
        serverKey: keys.link.publicKey,
        modules: [FIXTURES],
      },
      security: keys.handler,
    });
    const started = [
      startNode('master', 'master', master, {}, hosts.admin.ns),
      startNode('replica', 'dmz-replica', replica, {}, hosts.dmz.ns),
      startNode('handler', 'regional-worker', handler, {}, hosts.regional.ns),
    ];
    nodes.push(...started);
    await started[0]?.waitForLog((line) => line.msg === 'listening', 30_000);
    await started[2]?.waitForLog((line) => line.msg === 'registered with the master', 30_000);
  }, 60_000);

  afterAll(async () => {
    for (const node of nodes) await node.stop('SIGTERM').catch(() => node.stop('SIGKILL'));
    const leaked = await killLeftovers();
    hosts?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
    expect(leaked).toBe(0);
  });

  it('lets the DMZ host reach only the DMZ stream ports of the master', () => {
    const master = hosts.dmz.adminAddress;
    expect(canConnect(hosts.dmz.ns, master, 5562)).toBe(true);
    expect(canConnect(hosts.dmz.ns, master, 5563)).toBe(true);
    for (const port of [8888, 5555, 5560, 5561, 5564, 5565])
      expect(canConnect(hosts.dmz.ns, master, port, 800), `dmz → master:${port}`).toBe(false);
    // The regional host reaches the handler link and its own zone, not the API nor the DMZ stream.
    const fromRegional = hosts.regional.adminAddress;
    expect(canConnect(hosts.regional.ns, fromRegional, 5555)).toBe(true);
    for (const port of [8888, 5562])
      expect(canConnect(hosts.regional.ns, fromRegional, port, 800), `regional → master:${port}`).toBe(false);
  });

  it('runs jobs on the regional worker, serves sanitized data on the DMZ replica, and refuses mutations there', async () => {
    const master = 'http://127.0.0.1:8888';
    const created = httpFrom(hosts.admin.ns, 'POST', `${master}/api/schedules`, {
      token: TOKEN,
      body: {
        id: 'zoned',
        task: 'whoami',
        trigger: { type: 'interval', seconds: 3600 },
        args: { token: CANARY },
        metadata: { password: CANARY, owner: 'ops' },
      },
    });
    expect(created.status).toBe(201);
    const run = httpFrom(hosts.admin.ns, 'POST', `${master}/api/schedules/zoned/run`, { token: TOKEN });
    expect(run.status).toBe(202);
    const deadline = Date.now() + 20_000;
    let job = run.body.job;
    while (job.status !== 'succeeded') {
      if (Date.now() > deadline) throw new Error(`job stayed ${JSON.stringify(job)}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
      job = httpFrom(hosts.admin.ns, 'GET', `${master}/api/jobs/${job.id}`, { token: TOKEN }).body.job;
    }
    expect(job.handlerId).toBe('regional-worker');

    // The DMZ replica, asked on its own host: the schedule and the job are there, the secrets are not.
    const replica = `http://${hosts.dmz.address}:8889`;
    let schedule = httpFrom(hosts.dmz.ns, 'GET', `${replica}/api/schedules/zoned`);
    while (
      schedule.status !== 200 ||
      httpFrom(hosts.dmz.ns, 'GET', `${replica}/api/jobs/${job.id}`).status !== 200
    ) {
      if (Date.now() > deadline)
        throw new Error(`the DMZ replica never showed the schedule and its job: ${JSON.stringify(schedule)}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
      schedule = httpFrom(hosts.dmz.ns, 'GET', `${replica}/api/schedules/zoned`);
    }
    expect(schedule.body.schedule).toMatchObject({ id: 'zoned', task: 'whoami' });
    for (const path of [
      '/api/schedules/zoned',
      '/api/schedules',
      `/api/jobs/${job.id}`,
      '/api/history',
      '/api/handlers',
    ]) {
      const response = httpFrom(hosts.dmz.ns, 'GET', `${replica}${path}`);
      expect(response.status, path).toBe(200);
      expect(JSON.stringify(response.body), path).not.toContain(CANARY);
    }
    const refused = httpFrom(hosts.dmz.ns, 'DELETE', `${replica}/api/schedules/zoned`);
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('read_only');

    // Nor is it anywhere in the DMZ replica's database files, byte for byte (the WAL included).
    const files = readdirSync(dir).filter((name) => name.startsWith('dmz-replica.db'));
    expect(files).toContain('dmz-replica.db');
    for (const name of files) expect(readFileSync(join(dir, name)).includes(CANARY), name).toBe(false);
    // The master's own database does hold it: the check above can fail.
    const masterFiles = readdirSync(dir).filter((name) => name.startsWith('master.db'));
    expect(masterFiles.some((name) => readFileSync(join(dir, name)).includes(CANARY))).toBe(true);
  });
});
