import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PG_TEST_URL, postgresGate } from '@schedulezero/scheduler-core/testing';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../src/free-port.ts';

/**
 * `pnpm start --ha` as a newcomer runs it: two masters on a PostgreSQL database it creates, both
 * answering /api/cluster with the same two active instances and one leader; Ctrl-C stops every
 * process and pnpm exits 0. Without a PostgreSQL server it exits 1 saying how to point it at one.
 * The database is a throwaway one, dropped afterwards (skipped without PostgreSQL unless CI=true).
 */

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const gate = await postgresGate('pnpm start --ha test');
const DATABASE = `sz_e2e_devstack_ha_${process.pid}`;
const databaseUrl = (() => {
  const url = new URL(PG_TEST_URL);
  url.pathname = `/${DATABASE}`;
  return url.toString();
})();
const dir = mkdtempSync(join(tmpdir(), 'sz-devstack-ha-'));
const state = join(dir, 'state');
const admin = postgres(PG_TEST_URL, { max: 1, onnotice: () => {} });
afterAll(async () => {
  if (!gate.skip) await admin`drop database if exists ${admin(DATABASE)} with (force)`;
  await admin.end({ timeout: 5 });
  rmSync(dir, { recursive: true, force: true });
});

interface Cluster {
  self: string;
  instances: Array<{ id: string; name: string; pid: number; status: string }>;
  leader: { instanceId: string; term: number } | null;
}

/** `pnpm start ARGS` in its own process group, as a shell runs a foreground job. */
function start(args: string[], env: NodeJS.ProcessEnv) {
  const child = spawn('pnpm', ['start', ...args], {
    cwd: ROOT,
    env: { ...process.env, SCHEDULEZERO_DEV_STATE: state, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  for (const stream of [child.stdout, child.stderr])
    stream.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { group: child.pid as number, output: () => output, exited, running: () => child.exitCode === null };
}

/** Processes whose command line names the state folder: the nodes, which get `--config STATE/config/…`. */
function nodesOfState(): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(state);
      } catch {
        return false; // gone meanwhile
      }
    })
    .map(Number);
}

describe.skipIf(gate.skip)('pnpm start --ha', () => {
  it('creates its database, brings up two masters that see each other and one leader; Ctrl-C stops everything with exit 0', {
    timeout: 180_000,
  }, async () => {
    gate.assertReachable();
    await admin`drop database if exists ${admin(DATABASE)} with (force)`;
    const run = start(['--ha'], {
      SCHEDULEZERO_DEV_HA_DATABASE_URL: databaseUrl,
      SCHEDULEZERO_DEV_PORT_OFFSET: '2600',
    });
    let code: number | null;
    let pids: number[] = [];
    try {
      const deadline = Date.now() + 90_000;
      while (!run.output().includes('ScheduleZero is up')) {
        if (Date.now() > deadline || !run.running())
          throw new Error(`not up within 90 s:\n${run.output().slice(-3000)}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const banner = run.output().slice(run.output().indexOf('ScheduleZero is up'));
      expect(banner).toContain(`a cluster of 2 masters on ${databaseUrl}`);
      expect(banner).toContain('the worker and both replicas follow master-a');
      const token = banner.match(/API token \(master\)\s+(\S+)/)?.[1] ?? '';
      const clusterUrls = [...banner.matchAll(/cluster\s+(http:\/\/127\.0\.0\.1:\d+\/api\/cluster)/g)].map(
        (match) => match[1] as string,
      );
      expect(clusterUrls).toEqual([
        'http://127.0.0.1:11488/api/cluster',
        'http://127.0.0.1:11491/api/cluster',
      ]);

      // Both masters answer with the same two active instances and the same live leader.
      const views = async () =>
        Promise.all(
          clusterUrls.map(
            async (url) =>
              (await (await fetch(url, { headers: { authorization: `Bearer ${token}` } })).json()) as Cluster,
          ),
        );
      const settled = (all: Cluster[]) =>
        all.every(
          (view) =>
            view.instances.filter((instance) => instance.status === 'active').length === 2 &&
            view.leader !== null &&
            view.leader.instanceId === all[0]?.leader?.instanceId,
        );
      let seen = await views();
      const until = Date.now() + 30_000;
      while (!settled(seen)) {
        if (Date.now() > until) throw new Error(`the cluster did not settle: ${JSON.stringify(seen)}`);
        await new Promise((resolve) => setTimeout(resolve, 250));
        seen = await views();
      }
      const [a, b] = seen as [Cluster, Cluster];
      expect(a.instances.map((instance) => instance.name).sort()).toEqual(['dev-master-a', 'dev-master-b']);
      expect(a.self).not.toBe(b.self);
      expect(a.instances.map((instance) => instance.id)).toContain(a.leader?.instanceId);
      // The database was created by the run, and the example schedules went into it.
      const [created] = await admin`select 1 from pg_database where datname = ${DATABASE}`;
      expect(created).toBeDefined();
      const listed = (await (
        await fetch(clusterUrls[1]?.replace('/api/cluster', '/api/schedules') as string, {
          headers: { authorization: `Bearer ${token}` },
        })
      ).json()) as { schedules: unknown[] };
      expect(listed.schedules.length).toBeGreaterThanOrEqual(3);

      // Two masters, two replicas and the worker run, each from the state folder's configs.
      pids = nodesOfState();
      expect(pids).toHaveLength(5);
      for (const instance of a.instances) expect(pids).toContain(instance.pid);
    } finally {
      process.kill(-run.group, 'SIGINT');
      const timeout = setTimeout(() => process.kill(-run.group, 'SIGKILL'), 60_000);
      code = await run.exited;
      clearTimeout(timeout);
    }
    const output = run.output();
    expect(output).toContain('stopping every node');
    for (const name of ['master-a', 'master-b', 'dmz-replica', 'regional-replica', 'handler'])
      expect(output).toMatch(new RegExp(`^${name} +\\| stopped \\(exit code 0\\)$`, 'm'));
    expect(output).not.toContain('ELIFECYCLE');
    expect(code).toBe(0);
    // Nothing is left running.
    expect(nodesOfState()).toEqual([]);
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow(/ESRCH/);
  });
});

describe('pnpm start --ha without PostgreSQL', () => {
  it('exits 1, says that PostgreSQL could not be reached and how to point it elsewhere, and starts nothing', {
    timeout: 60_000,
  }, async () => {
    // Nobody listens on a port that was just free.
    const url = `postgres://postgres@127.0.0.1:${await freePort()}/schedulezero_dev`;
    const run = start(['--ha'], {
      SCHEDULEZERO_DEV_HA_DATABASE_URL: url,
      SCHEDULEZERO_DEV_PORT_OFFSET: '2600',
    });
    const timeout = setTimeout(() => process.kill(-run.group, 'SIGKILL'), 50_000);
    const code = await run.exited;
    clearTimeout(timeout);
    const output = run.output();
    expect(output).toContain(`pnpm start --ha needs PostgreSQL, and none could be reached at ${url}`);
    expect(output).toContain('point SCHEDULEZERO_DEV_HA_DATABASE_URL at yours');
    expect(output).not.toContain('ScheduleZero is up');
    expect(output).not.toMatch(/^master-a +\|/m);
    expect(nodesOfState()).toEqual([]);
    expect(code).toBe(1);
  });
});
