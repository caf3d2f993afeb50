import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CANARY } from '../fixtures/handlers.ts';
import { keyPair } from '../src/curve-keys.ts';
import {
  connectOutcomes,
  createZoneHosts,
  deleteTable,
  httpFrom,
  type Listener,
  listenIn,
  loadFirewall,
  namespaceGate,
  udpSendOutcome,
  type ZoneHosts,
} from '../src/netns.ts';
import { killLeftovers, type NodeProcess, startNode, writeYaml } from '../src/node-process.ts';

/**
 * The topology across hosts: a master on an admin host, a public replica on a DMZ host and a
 * handler worker on a regional host, each host a network namespace behind the firewall rules of
 * deploy/firewall (as docs/security.md describes them).
 */

// Skipped with a notice where namespaces are denied; with CI=true any other obstacle throws here.
const gate = namespaceGate('ZONE TEST');

const FIREWALL = fileURLToPath(new URL('../../../deploy/firewall', import.meta.url));
const FIXTURES = fileURLToPath(new URL('../fixtures/handlers.ts', import.meta.url));
const TOKEN = 'zone-test-token-0123456789';

const title = gate.skip
  ? `zones across network namespaces — NOT RUN: ${gate.skip}`
  : 'zones across network namespaces';

// A port of the master, and every port it listens on: the checks below expect each of them to
// answer from the admin host itself, so that a blocked one was blocked by a firewall.
const MASTER_PORTS = [8888, 5555, 5560, 5561, 5562, 5563, 5564, 5565];
const SSH = 22;

describe.skipIf(gate.skip !== null)(title, () => {
  let hosts: ZoneHosts;
  let dir: string;
  const nodes: NodeProcess[] = [];
  const listeners: Listener[] = [];
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
    await started[1]?.waitForLog((line) => line.msg === 'listening', 30_000);
    // Stand-ins for sshd on the admin and DMZ hosts: a port that listens and that a zone must not reach.
    listeners.push(await listenIn(hosts.admin.ns, [SSH]), await listenIn(hosts.dmz.ns, [SSH]));
  }, 60_000);

  afterAll(async () => {
    for (const listener of listeners) await listener.close();
    for (const node of nodes) await node.stop('SIGTERM').catch(() => node.stop('SIGKILL'));
    const leaked = await killLeftovers();
    hosts?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
    expect(leaked).toBe(0);
  });

  /** connectOutcomes keyed by `host:port`, for readable failures. */
  function outcomes(ns: string, targets: Array<readonly [string, number]>): Record<string, string> {
    const found = connectOutcomes(ns, targets);
    return Object.fromEntries(targets.map(([host, port], i) => [`${host}:${port}`, found[i] ?? 'missing']));
  }
  /** The same keys, each expected to be `outcome`. */
  function all(targets: Array<readonly [string, number]>, outcome: string): Record<string, string> {
    return Object.fromEntries(targets.map(([host, port]) => [`${host}:${port}`, outcome]));
  }
  const on = (host: string, ports: number[]) => ports.map((port) => [host, port] as const);

  it('every port checked below listens: from the admin host itself, each answers', () => {
    // Without this, a `timeout` below could be an empty port; with it, it is the firewall's doing.
    const adminPorts = [
      ...on(hosts.dmz.adminAddress, [...MASTER_PORTS, SSH]),
      ...on(hosts.regional.adminAddress, [...MASTER_PORTS, SSH]),
    ];
    expect(outcomes(hosts.admin.ns, adminPorts)).toEqual(all(adminPorts, 'open'));
    const dmzPorts = on(hosts.dmz.address, [8889, SSH]);
    expect(outcomes(hosts.dmz.ns, dmzPorts)).toEqual(all(dmzPorts, 'open'));
    // And an empty port is told apart from a dropped one.
    expect(outcomes(hosts.admin.ns, [[hosts.dmz.adminAddress, 5599]])).toEqual({
      [`${hosts.dmz.adminAddress}:5599`]: 'ECONNREFUSED',
    });
  });

  it('the DMZ host reaches the master on the DMZ stream ports (PUB 5562, catch-up 5563) and nothing else', () => {
    const master = hosts.dmz.adminAddress;
    const allowed = on(master, [5562, 5563]);
    // The API, the handler link, the admin and regional streams, SSH; also on the master's regional address.
    const denied = [
      ...on(master, [8888, 5555, 5560, 5561, 5564, 5565, SSH]),
      ...on(hosts.regional.adminAddress, [8888, 5555, 5564, 5565, SSH]),
    ];
    expect(outcomes(hosts.dmz.ns, [...allowed, ...denied])).toEqual({
      ...all(allowed, 'open'),
      ...all(denied, 'timeout'),
    });
  });

  it('the DMZ host sends no DNS, over UDP or TCP, to the master or anywhere', () => {
    // Its own output chain drops the datagram: the send fails on the host itself.
    expect(udpSendOutcome(hosts.dmz.ns, hosts.dmz.adminAddress, 53)).toBe('EPERM');
    expect(udpSendOutcome(hosts.dmz.ns, '192.0.2.53', 53)).toBe('EPERM');
    const tcp = [[hosts.dmz.adminAddress, 53] as const, ['192.0.2.53', 53] as const];
    expect(outcomes(hosts.dmz.ns, tcp)).toEqual(all(tcp, 'timeout'));
    // The control: a host without those rules sends the same datagram.
    expect(udpSendOutcome(hosts.regional.ns, '192.0.2.53', 53)).toBe('sent');
  });

  it('from outside, the DMZ host answers on its HTTP port only', () => {
    const replica = hosts.dmz.address;
    // Across the veth and the DMZ host's input chain, as a visitor comes.
    expect(httpFrom(hosts.admin.ns, 'GET', `http://${replica}:8889/healthz`).status).toBe(200);
    expect(outcomes(hosts.admin.ns, on(replica, [8889, SSH]))).toEqual({
      [`${replica}:8889`]: 'open',
      [`${replica}:${SSH}`]: 'timeout',
    });
  });

  it('the regional host reaches the handler link and the regional stream, not the API, the other streams nor SSH', () => {
    const master = hosts.regional.adminAddress;
    const allowed = on(master, [5555, 5564, 5565]);
    const denied = [
      ...on(master, [8888, 5560, 5561, 5562, 5563, SSH]),
      ...on(hosts.dmz.adminAddress, [8888, 5562, 5563]),
    ];
    expect(outcomes(hosts.regional.ns, [...allowed, ...denied])).toEqual({
      ...all(allowed, 'open'),
      ...all(denied, 'timeout'),
    });
  });

  it("with the DMZ host's own rules gone (a compromised host), the admin host still admits it to 5562/5563 only", () => {
    const master = hosts.dmz.adminAddress;
    const allowed = on(master, [5562, 5563]);
    const denied = [
      ...on(master, [8888, 5555, 5560, 5561, 5564, 5565, SSH, 53]),
      ...on(hosts.regional.adminAddress, [8888, 5555, 5564, 5565]),
    ];
    deleteTable(hosts.dmz.ns, 'inet', 'schedulezero_dmz');
    try {
      // The DMZ host's rules were what stopped DNS above: without them the datagram leaves.
      expect(udpSendOutcome(hosts.dmz.ns, master, 53)).toBe('sent');
      expect(outcomes(hosts.dmz.ns, [...allowed, ...denied])).toEqual({
        ...all(allowed, 'open'),
        ...all(denied, 'timeout'),
      });
    } finally {
      loadFirewall(hosts.dmz.ns, `${FIREWALL}/dmz-host.nft`);
    }
    expect(udpSendOutcome(hosts.dmz.ns, master, 53)).toBe('EPERM');
  });

  it("with the admin host's rules gone, the DMZ host's own rules still hold it to 5562/5563", () => {
    const master = hosts.dmz.adminAddress;
    const allowed = on(master, [5562, 5563]);
    const denied = [
      ...on(master, [8888, 5555, 5560, 5561, 5564, 5565, SSH]),
      ...on(hosts.regional.adminAddress, [8888, 5555, 5564, 5565]),
    ];
    deleteTable(hosts.admin.ns, 'inet', 'schedulezero_admin');
    try {
      // The admin host's rules were what stopped the regional host at the API: now it answers.
      expect(outcomes(hosts.regional.ns, on(hosts.regional.adminAddress, [8888]))).toEqual({
        [`${hosts.regional.adminAddress}:8888`]: 'open',
      });
      expect(outcomes(hosts.dmz.ns, [...allowed, ...denied])).toEqual({
        ...all(allowed, 'open'),
        ...all(denied, 'timeout'),
      });
    } finally {
      loadFirewall(hosts.admin.ns, `${FIREWALL}/admin-host.nft`);
    }
    expect(outcomes(hosts.regional.ns, on(hosts.regional.adminAddress, [8888]))).toEqual({
      [`${hosts.regional.adminAddress}:8888`]: 'timeout',
    });
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

    // The DMZ replica, asked from outside its host: the schedule and the job are there, the secrets are not.
    const replica = `http://${hosts.dmz.address}:8889`;
    let schedule = httpFrom(hosts.admin.ns, 'GET', `${replica}/api/schedules/zoned`);
    while (
      schedule.status !== 200 ||
      httpFrom(hosts.admin.ns, 'GET', `${replica}/api/jobs/${job.id}`).status !== 200
    ) {
      if (Date.now() > deadline)
        throw new Error(`the DMZ replica never showed the schedule and its job: ${JSON.stringify(schedule)}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
      schedule = httpFrom(hosts.admin.ns, 'GET', `${replica}/api/schedules/zoned`);
    }
    expect(schedule.body.schedule).toMatchObject({ id: 'zoned', task: 'whoami' });
    for (const path of [
      '/api/schedules/zoned',
      '/api/schedules',
      `/api/jobs/${job.id}`,
      '/api/history',
      '/api/handlers',
    ]) {
      const response = httpFrom(hosts.admin.ns, 'GET', `${replica}${path}`);
      expect(response.status, path).toBe(200);
      expect(JSON.stringify(response.body), path).not.toContain(CANARY);
    }
    const refused = httpFrom(hosts.admin.ns, 'DELETE', `${replica}/api/schedules/zoned`);
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
