import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { deployPath } from '../src/deploy-files.ts';
import { parseUnit } from '../src/unit-file.ts';

const UNITS = [
  'schedulezero-master.service',
  'schedulezero-replica.service',
  'schedulezero-handler@.service',
];
const BINARIES: Record<string, string> = {
  'schedulezero-master.service': 'apps/master/bin/schedulezero-master.js',
  'schedulezero-replica.service': 'apps/replica/bin/schedulezero-replica.js',
  'schedulezero-handler@.service': 'apps/handler/bin/schedulezero-handler.js',
};

const which = spawnSync('sh', ['-c', 'command -v systemd-analyze'], { encoding: 'utf8', timeout: 5_000 });
const SYSTEMD_ANALYZE = which.status === 0 ? which.stdout.trim() : undefined;

describe('deploy/systemd: unit files, parsed', () => {
  it.each(UNITS)('%s: the keys it must have', (unit) => {
    const sections = parseUnit(readFileSync(deployPath('systemd', unit), 'utf8'));
    expect([...sections.keys()]).toEqual(['Unit', 'Service', 'Install']);
    const service = sections.get('Service') ?? new Map<string, string[]>();
    const one = (key: string) => {
      const values = service.get(key);
      expect(values, key).toHaveLength(1);
      return values?.[0] ?? '';
    };
    const execStart = one('ExecStart').split(/\s+/);
    expect(execStart[0]).toBe('/usr/bin/node');
    expect(execStart[1]).toBe(`/opt/schedulezero/${BINARIES[unit]}`);
    expect(existsSync(deployPath('..', BINARIES[unit] ?? 'missing'))).toBe(true);
    expect(execStart.slice(2, 3)).toEqual(['--config']);
    expect(one('User')).toBe('schedulezero');
    expect(one('KillSignal')).toBe('SIGTERM');
    expect(one('Restart')).toBe('on-failure');
    // Exit code 2 is bad usage or config: restarting cannot help.
    expect(one('RestartPreventExitStatus')).toBe('2');
    // The stop timeout covers the graceful stop (master 30 s + 15 s, handler 300 s + abort grace).
    const minimumStop = unit.startsWith('schedulezero-handler') ? 305 : unit.includes('master') ? 45 : 10;
    expect(Number(one('TimeoutStopSec'))).toBeGreaterThan(minimumStop);
    for (const [key, value] of [
      ['NoNewPrivileges', 'yes'],
      ['ProtectSystem', 'strict'],
      ['ProtectHome', 'yes'],
      ['PrivateTmp', 'yes'],
      ['PrivateDevices', 'yes'],
      ['CapabilityBoundingSet', ''],
      ['RestrictSUIDSGID', 'yes'],
      ['SystemCallArchitectures', 'native'],
      ['UMask', '0077'],
    ] as const) {
      expect(one(key), key).toBe(value);
    }
    expect(service.get('SystemCallFilter')?.[0]).toBe('@system-service');
    // V8's JIT needs W+X memory: MemoryDenyWriteExecute would kill node at start.
    expect(service.has('MemoryDenyWriteExecute')).toBe(false);
    expect(sections.get('Install')?.get('WantedBy')).toEqual(['multi-user.target']);
  });

  it('the handler template names its config and node after the instance', () => {
    const service = parseUnit(
      readFileSync(deployPath('systemd', 'schedulezero-handler@.service'), 'utf8'),
    ).get('Service');
    expect(service?.get('ExecStart')?.[0]).toContain('--config /etc/schedulezero/handler-%i.yaml');
    expect(service?.get('Environment')).toContain('SCHEDULEZERO_NODE__NAME=%H-%i');
  });
});

describe(`deploy/systemd: systemd-analyze (${SYSTEMD_ANALYZE ?? 'ABSENT on this machine: the units were checked by parsing only, above'})`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'sz-units-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is available, or this run says plainly that it is not', () => {
    if (SYSTEMD_ANALYZE === undefined) {
      console.warn(
        'systemd-analyze is not installed: `systemd-analyze verify` did NOT run; the unit files were only parsed and checked for their required keys',
      );
    }
    expect(SYSTEMD_ANALYZE === undefined || existsSync(SYSTEMD_ANALYZE)).toBe(true);
  });

  // The template is verified as an instance; units are copied so that ExecStart's node exists here.
  const instances = UNITS.map((unit) => [unit, unit.replace('@.service', '@eu1.service')] as const);
  it.each(instances)('%s: verify reports nothing and the exposure level is low', (unit, instance) => {
    if (SYSTEMD_ANALYZE === undefined) {
      expect(existsSync(deployPath('systemd', unit))).toBe(true); // parsed above; nothing more to run
      return;
    }
    let text = readFileSync(deployPath('systemd', unit), 'utf8');
    if (!existsSync('/usr/bin/node')) text = text.replaceAll('/usr/bin/node ', `${process.execPath} `);
    const path = join(dir, instance);
    writeFileSync(path, text);
    const verify = spawnSync(SYSTEMD_ANALYZE, ['verify', '--man=no', path], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect({ status: verify.status, stderr: verify.stderr.trim() }).toEqual({ status: 0, stderr: '' });

    const security = spawnSync(SYSTEMD_ANALYZE, ['security', '--offline=yes', '--no-pager', path], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    const level = /Overall exposure level for \S+: ([\d.]+)/.exec(security.stdout)?.[1];
    expect(level, security.stdout + security.stderr).toBeDefined();
    expect(Number(level)).toBeLessThanOrEqual(2.5);
  });

  it('verify does catch a broken unit (the check is not a silent pass)', () => {
    if (SYSTEMD_ANALYZE === undefined) {
      expect(() => parseUnit('[Service]\nnot a key\n')).toThrow(/not KEY=VALUE/);
      return;
    }
    const path = join(dir, 'broken.service');
    copyFileSync(deployPath('systemd', 'schedulezero-master.service'), path);
    writeFileSync(path, `${readFileSync(path, 'utf8')}\n[Service]\nExecStartPre=/nonexistent/schedulezero\n`);
    const verify = spawnSync(SYSTEMD_ANALYZE, ['verify', '--man=no', path], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(verify.status).not.toBe(0);
    expect(verify.stderr).toMatch(/nonexistent/);
  });
});
