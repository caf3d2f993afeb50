import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadHandlerConfig } from '@schedulezero/handler/src/config.ts';
import { loadMasterConfig } from '@schedulezero/master';
import { loadReplicaConfig } from '@schedulezero/replica';
import { generateKeyPair } from '@schedulezero/security-filter';
import { afterAll, describe, expect, it } from 'vitest';
import { deployPath, manifests } from '../src/deploy-files.ts';

// The example configs are loaded by the apps' own loaders (schema, env overrides, path resolution).
// Secrets and allow-listed public keys come from the environment, as in production: real public keys
// stand in for the operator's.
const handlerPub = generateKeyPair().publicKey;
const dmzReplicaPub = generateKeyPair().publicKey;
const regionalReplicaPub = generateKeyPair().publicKey;
const TOKEN = 'deploy-test-token-0123456789abcdef';
const cwd = tmpdir();

const masterEnv = {
  SCHEDULEZERO_API_TOKEN: TOKEN,
  SCHEDULEZERO_DATABASE_URL: 'postgres://schedulezero:secret@db.internal:5432/schedulezero',
  SCHEDULEZERO_HANDLERS__CLIENTKEYS: handlerPub,
  SCHEDULEZERO_REPLICATION__ZONES__DMZ__CLIENTKEYS: dmzReplicaPub,
  SCHEDULEZERO_REPLICATION__ZONES__REGIONAL__CLIENTKEYS: regionalReplicaPub,
};

function ok<T>(result: { ok: true; config: T } | { ok: false; problems: string[] }): T {
  if (!result.ok) throw new Error(`config rejected:\n${result.problems.join('\n')}`);
  return result.config;
}

function port(endpoint: string | undefined): number {
  return Number(endpoint?.split(':').at(-1));
}

describe('deploy/config: the example configs per zone', () => {
  it('master (admin): PostgreSQL, CURVE key files on every endpoint, the three zones on their ports', () => {
    const config = ok(
      loadMasterConfig({ file: deployPath('config/master.admin.yaml'), env: masterEnv, cwd }),
    );
    expect(config.node).toMatchObject({ type: 'master', zone: 'admin' });
    expect(config.network.port).toBe(8888);
    expect(config.database.url).toBe(masterEnv.SCHEDULEZERO_DATABASE_URL);
    expect(config.api).toMatchObject({ requireAuth: true, tokens: [TOKEN] });
    expect(config.security.allowPlaintext).toBe(false);
    expect(port(config.handlers.bind)).toBe(5555);
    expect(config.handlers.secretKeyFile).toBe('/etc/schedulezero/keys/link.key');
    expect(config.handlers.clientKeys).toEqual([handlerPub]);
    const zones = config.replication.zones;
    expect(Object.keys(zones).sort()).toEqual(['admin', 'dmz', 'regional']);
    expect([port(zones.admin?.publish), port(zones.admin?.sync)]).toEqual([5560, 5561]);
    expect([port(zones.dmz?.publish), port(zones.dmz?.sync)]).toEqual([5562, 5563]);
    expect([port(zones.regional?.publish), port(zones.regional?.sync)]).toEqual([5564, 5565]);
    expect(zones.dmz?.policy).toBe('dmz');
    expect(zones.dmz?.clientKeys).toEqual([dmzReplicaPub]);
    expect(zones.regional?.clientKeys).toEqual([regionalReplicaPub]);
    for (const zone of Object.values(zones))
      expect(zone.secretKeyFile).toMatch(/^\/etc\/schedulezero\/keys\//);
  });

  it('master (admin) without a token is refused: auth stays on, fail closed', () => {
    const { SCHEDULEZERO_API_TOKEN: _token, ...env } = masterEnv;
    const result = loadMasterConfig({ file: deployPath('config/master.admin.yaml'), env, cwd });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems.join('\n')).toMatch(/requireAuth is on but no token/);
  });

  it('replica (DMZ): public read-only API on 8889, the DMZ stream only, its own key pair', () => {
    const config = ok(loadReplicaConfig({ file: deployPath('config/replica.dmz.yaml'), env: {}, cwd }));
    expect(config.node).toMatchObject({ type: 'replica', zone: 'dmz' });
    expect(config.network.port).toBe(8889);
    expect(config.api.requireAuth).toBe(false);
    expect(config.replication.zone).toBe('dmz');
    expect([port(config.replication.master?.publish), port(config.replication.master?.sync)]).toEqual([
      5562, 5563,
    ]);
    expect(config.replication.master?.serverKeyFile).toBe('/etc/schedulezero/keys/zone-dmz.pub');
    expect(config.security).toMatchObject({
      secretKeyFile: '/etc/schedulezero/keys/replica.key',
      publicKeyFile: '/etc/schedulezero/keys/replica.pub',
      allowPlaintext: false,
    });
  });

  it('replica (regional): token required, the regional stream only', () => {
    const file = deployPath('config/replica.regional.yaml');
    expect(loadReplicaConfig({ file, env: {}, cwd }).ok).toBe(false);
    const config = ok(loadReplicaConfig({ file, env: { SCHEDULEZERO_API_TOKEN: TOKEN }, cwd }));
    expect(config.node).toMatchObject({ type: 'replica', zone: 'regional' });
    expect(config.api).toMatchObject({ requireAuth: true, tokens: [TOKEN] });
    expect([port(config.replication.master?.publish), port(config.replication.master?.sync)]).toEqual([
      5564, 5565,
    ]);
    expect(config.security.allowPlaintext).toBe(false);
  });

  it('handler: connects to the link on 5555 with CURVE, drains for 300 s', () => {
    const config = ok(
      loadHandlerConfig({
        file: deployPath('config/handler.yaml'),
        env: { SCHEDULEZERO_NODE__NAME: 'host-eu1' }, // what the systemd template unit sets
        cwd,
      }),
    );
    expect(config.node).toMatchObject({ type: 'handler', name: 'host-eu1', shutdownGraceSeconds: 300 });
    expect(port(config.worker.master)).toBe(5555);
    expect(config.worker.serverKeyFile).toBe('/etc/schedulezero/keys/link.pub');
    expect(config.security).toMatchObject({
      secretKeyFile: '/etc/schedulezero/keys/handler.key',
      allowPlaintext: false,
    });
  });

  it('master.local.yaml (one master for a first look): loopback only, token required, example handlers, no ZeroMQ endpoint', () => {
    const refused = loadMasterConfig({ file: deployPath('master.local.yaml'), env: {}, cwd });
    expect(refused.ok).toBe(false);
    const env = { SCHEDULEZERO_API_TOKEN: 'local-token-0123456789' };
    const config = ok(loadMasterConfig({ file: deployPath('master.local.yaml'), env, cwd }));
    expect(config.api.tokens).toEqual(['local-token-0123456789']);
    expect(config.network).toEqual({ bindAddress: '127.0.0.1', port: 8888 });
    expect(config.handlers.bind).toBeUndefined(); // `bind: none`
    expect(config.replication.zones).toEqual({});
    expect(config.handlers.modules).toEqual([deployPath('../examples/handlers.ts')]);
    expect(config.database.url).toBe(`sqlite:${deployPath('data/master.db')}`);
  });
});

describe('deploy/container/config: the compose topology', () => {
  const composeEnv = {
    ...masterEnv,
    SCHEDULEZERO_DATABASE_URL: 'postgres://schedulezero:x@172.28.10.5:5432/sz',
  };

  it('every node config loads; each ZeroMQ endpoint binds only on its zone network', () => {
    const master = ok(
      loadMasterConfig({ file: deployPath('container/config/master.yaml'), env: composeEnv, cwd }),
    );
    expect(master.handlers.bind).toBe('tcp://172.28.20.10:5555');
    expect(master.replication.zones.dmz?.publish).toBe('tcp://172.28.88.10:5562');
    expect(master.replication.zones.regional?.sync).toBe('tcp://172.28.20.10:5565');
    const dmz = ok(
      loadReplicaConfig({ file: deployPath('container/config/replica-dmz.yaml'), env: {}, cwd }),
    );
    expect(dmz.replication.master?.publish).toBe('tcp://172.28.88.10:5562');
    const regional = ok(
      loadReplicaConfig({
        file: deployPath('container/config/replica-regional.yaml'),
        env: { SCHEDULEZERO_API_TOKEN: TOKEN },
        cwd,
      }),
    );
    expect(regional.replication.master?.sync).toBe('tcp://172.28.20.10:5565');
    const handler = ok(
      loadHandlerConfig({ file: deployPath('container/config/handler.yaml'), env: {}, cwd }),
    );
    expect(handler.worker.master).toBe('tcp://172.28.20.10:5555');
  });
});

describe('deploy/kubernetes: the configs in the ConfigMaps', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sz-deploy-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function configMapFile(manifestFile: string, key: string): string {
    const configMap = manifests(manifestFile).find((manifest) => manifest.kind === 'ConfigMap');
    const text = (configMap?.data as Record<string, string> | undefined)?.[key];
    if (typeof text !== 'string') throw new Error(`${manifestFile}: no ConfigMap key ${key}`);
    const path = join(dir, `${manifestFile.replace(/\W/g, '_')}-${key}`);
    writeFileSync(path, text);
    return path;
  }

  it('master, replicas and handler load with the env the Deployments set', () => {
    const master = ok(
      loadMasterConfig({
        file: configMapFile('kubernetes/master.yaml', 'master.yaml'),
        env: { ...masterEnv, SCHEDULEZERO_NODE__NAME: 'schedulezero-master-7d9f8-abcde' },
        cwd,
      }),
    );
    expect(Object.keys(master.replication.zones).sort()).toEqual(['admin', 'dmz', 'regional']);
    const dmz = ok(
      loadReplicaConfig({ file: configMapFile('kubernetes/replica-dmz.yaml', 'replica.yaml'), env: {}, cwd }),
    );
    expect(dmz.replication.master?.publish).toMatch(/schedulezero-admin\.svc\.cluster\.local:5562$/);
    const regional = ok(
      loadReplicaConfig({
        file: configMapFile('kubernetes/replica-regional.yaml', 'replica.yaml'),
        env: { SCHEDULEZERO_API_TOKEN: TOKEN },
        cwd,
      }),
    );
    expect(regional.replication.master?.publish).toMatch(/:5564$/);
    const handler = ok(
      loadHandlerConfig({ file: configMapFile('kubernetes/handler.yaml', 'handler.yaml'), env: {}, cwd }),
    );
    expect(handler.worker.master).toMatch(/schedulezero-admin\.svc\.cluster\.local:5555$/);
  });
});
