import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadMasterConfig, type MasterConfig } from '@schedulezero/master';
import { afterAll, describe, expect, it } from 'vitest';
import { deployPath } from '../src/deploy-files.ts';
import { parseUnit } from '../src/unit-file.ts';

/**
 * Two masters on two hosts with systemd (docs/ha.md "Two hosts with systemd"): the same unit,
 * config, secrets and keys on both, a drop-in that adds /etc/schedulezero/cluster.env, and one env
 * file per host. The master's own loader takes the config with each host's env, as systemd passes it.
 */

const DROP_IN = 'systemd/schedulezero-master.service.d/cluster.conf';
const HOSTS = ['a', 'b'] as const;
/** What master.env holds on both hosts (docs/deployment.md 1). */
const MASTER_ENV = {
  SCHEDULEZERO_API_TOKEN: 'cluster-test-token-0123456789abcdef',
  SCHEDULEZERO_DATABASE_URL: 'postgres://schedulezero:secret@10.10.0.5:5432/schedulezero',
};

const which = spawnSync('sh', ['-c', 'command -v systemd-analyze'], { encoding: 'utf8', timeout: 5_000 });
const SYSTEMD_ANALYZE = which.status === 0 ? which.stdout.trim() : undefined;

/** An EnvironmentFile as systemd reads these: KEY=VALUE lines, `#` comments, no quoting needed. */
function readEnvFile(path: string): Record<string, string> {
  const entries = readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#'))
    .map((line) => {
      const match = /^([A-Z0-9_]+)=(\S+)$/.exec(line);
      if (!match) throw new Error(`${path}: not KEY=VALUE: ${line}`);
      return [match[1] as string, match[2] as string] as const;
    });
  return Object.fromEntries(entries);
}

function hostConfig(host: (typeof HOSTS)[number]): MasterConfig {
  const env = { ...MASTER_ENV, ...readEnvFile(deployPath(`systemd/cluster/master-${host}.env`)) };
  const loaded = loadMasterConfig({ file: deployPath('config/master.admin.yaml'), env, cwd: tmpdir() });
  if (!loaded.ok) throw new Error(`host ${host}: ${loaded.problems.join('\n')}`);
  return loaded.config;
}

/** Every address:port a master binds. */
function endpoints(config: MasterConfig): string[] {
  const zones = Object.values(config.replication.zones).flatMap((zone) => [zone.publish, zone.sync]);
  return [`${config.network.bindAddress}:${config.network.port}`, config.handlers.bind ?? '', ...zones].map(
    (endpoint) => endpoint.replace(/^tcp:\/\//, ''),
  );
}

describe('deploy/systemd: one master per host on a shared PostgreSQL', () => {
  it('the drop-in names the host env file as required and changes nothing else of the service', () => {
    const sections = parseUnit(readFileSync(deployPath(DROP_IN), 'utf8'));
    expect([...sections.keys()]).toEqual(['Unit', 'Service']);
    expect([...(sections.get('Service')?.entries() ?? [])]).toEqual([
      ['EnvironmentFile', ['/etc/schedulezero/cluster.env']],
    ]);
  });

  it('each host env file sets only settings the master knows, and the config loads with it', () => {
    for (const host of HOSTS) {
      const env = readEnvFile(deployPath(`systemd/cluster/master-${host}.env`));
      expect(Object.keys(env).every((key) => key.startsWith('SCHEDULEZERO_'))).toBe(true);
      const config = hostConfig(host);
      expect(config.node.name).toBe(`sz-master-${host}`);
      expect(config.logging.eventLog).toBe('/var/log/schedulezero/events.jsonl');
    }
    // The loader refuses a variable that names no setting, so every variable above names one.
    const misspelt = loadMasterConfig({
      file: deployPath('config/master.admin.yaml'),
      env: { ...MASTER_ENV, SCHEDULEZERO_NODE__NMAE: 'sz-master-a' },
      cwd: tmpdir(),
    });
    expect(misspelt.ok).toBe(false);
  });

  it('the two hosts share the database, the keys and the ports, and no address or name', () => {
    const [a, b] = HOSTS.map(hostConfig) as [MasterConfig, MasterConfig];
    expect(a.database.url).toBe(MASTER_ENV.SCHEDULEZERO_DATABASE_URL);
    expect(b.database.url).toBe(a.database.url);
    expect(b.cluster).toEqual(a.cluster);
    expect(b.handlers.secretKeyFile).toBe(a.handlers.secretKeyFile);
    for (const [name, zone] of Object.entries(a.replication.zones)) {
      expect(b.replication.zones[name]?.secretKeyFile).toBe(zone.secretKeyFile);
      expect(b.replication.zones[name]?.policy).toEqual(zone.policy);
    }
    const port = (endpoint: string) => endpoint.split(':').at(-1);
    expect(endpoints(b).map(port)).toEqual(endpoints(a).map(port));
    expect(endpoints(a).map(port)).toEqual(['8888', '5555', '5560', '5561', '5562', '5563', '5564', '5565']);
    const shared = endpoints(a).filter((endpoint) => endpoints(b).includes(endpoint));
    expect(shared).toEqual([]);
    expect(a.node.name).not.toBe(b.node.name);
  });

  it('host A keeps the addresses of deploy/config/master.admin.yaml', () => {
    const single = loadMasterConfig({
      file: deployPath('config/master.admin.yaml'),
      env: MASTER_ENV,
      cwd: tmpdir(),
    });
    if (!single.ok) throw new Error(single.problems.join('\n'));
    expect(endpoints(hostConfig('a'))).toEqual(endpoints(single.config));
  });
});

describe(`deploy/systemd: the unit with the drop-in, systemd-analyze (${SYSTEMD_ANALYZE ?? 'ABSENT on this machine: parsed only, above'})`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'sz-cluster-unit-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** The unit and a drop-in beside it, where `systemd-analyze verify` reads drop-ins from. */
  function install(dropIn: string): string {
    let unit = readFileSync(deployPath('systemd/schedulezero-master.service'), 'utf8');
    if (!existsSync('/usr/bin/node')) unit = unit.replaceAll('/usr/bin/node ', `${process.execPath} `);
    const path = join(dir, 'schedulezero-master.service');
    writeFileSync(path, unit);
    mkdirSync(`${path}.d`, { recursive: true });
    writeFileSync(join(`${path}.d`, 'cluster.conf'), dropIn);
    return path;
  }
  const verify = (path: string) =>
    spawnSync(SYSTEMD_ANALYZE as string, ['verify', '--man=no', path], { encoding: 'utf8', timeout: 20_000 });

  it('verify reports nothing for the unit with the drop-in, and does read the drop-in', () => {
    if (SYSTEMD_ANALYZE === undefined) {
      console.warn('systemd-analyze is not installed: the drop-in was only parsed');
      expect(existsSync(deployPath(DROP_IN))).toBe(true);
      return;
    }
    const good = verify(install(readFileSync(deployPath(DROP_IN), 'utf8')));
    expect({ status: good.status, stderr: good.stderr.trim() }).toEqual({ status: 0, stderr: '' });
    // The same place with a broken drop-in fails: the check above did read it.
    const broken = verify(install('[Service]\nExecStartPre=/nonexistent/schedulezero\n'));
    expect(broken.status).not.toBe(0);
    expect(broken.stderr).toMatch(/nonexistent/);
  });
});
