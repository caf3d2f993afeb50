import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

/** `pnpm start` as a newcomer runs it: the whole topology up, its URLs answering, Ctrl-C stopping it all. */

const START = fileURLToPath(new URL('../../../apps/devstack/bin/start.js', import.meta.url));
const CHILDREN = ['master', 'dmz-replica', 'regional-replica', 'handler'];
const state = mkdtempSync(join(tmpdir(), 'sz-devstack-'));
afterAll(() => rmSync(state, { recursive: true, force: true }));

interface Started {
  /** The base URL of each node that serves HTTP, in the printed order (master first). */
  nodes: string[];
  /** Every URL the banner prints. */
  printed: string[];
  token: string;
}

async function runOnce(check: (started: Started) => Promise<void>): Promise<string> {
  const env = { ...process.env, SCHEDULEZERO_DEV_STATE: state, SCHEDULEZERO_DEV_PORT_OFFSET: '2100' };
  // Its own process group, as a shell gives a foreground job: Ctrl-C is SIGINT to the whole group.
  const child = spawn(process.execPath, [START], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const group = child.pid as number;
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let code: number | null;
  try {
    const deadline = Date.now() + 60_000;
    while (!output.includes('ScheduleZero is up')) {
      if (Date.now() > deadline || child.exitCode !== null)
        throw new Error(`not up within 60 s:\n${output.slice(-3000)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const banner = output.slice(output.indexOf('ScheduleZero is up'));
    await check({
      nodes: [...banner.matchAll(/(http:\/\/127\.0\.0\.1:\d+)\/api\/schedules/g)].map(
        (match) => match[1] as string,
      ),
      printed: [...banner.matchAll(/http:\/\/127\.0\.0\.1:\d+\/[^\s)]*/g)].map((match) => match[0]),
      token: banner.match(/API token \(master\)\s+(\S+)/)?.[1] ?? '',
    });
  } finally {
    process.kill(-group, 'SIGINT');
    code = await exited;
  }
  expect(code).toBe(0);
  // Each child was asked to stop once and stopped cleanly; none took the Ctrl-C as a second signal.
  expect(output).not.toContain('second signal');
  for (const name of CHILDREN)
    expect(output).toMatch(new RegExp(`^${name} +\\| stopped \\(exit code 0\\)$`, 'm'));
  return output;
}

describe('pnpm start', () => {
  it('brings up master, DMZ and regional replicas and a worker; the printed URLs answer; Ctrl-C to the group stops each child once, cleanly', {
    timeout: 150_000,
  }, async () => {
    const first = await runOnce(async ({ nodes, printed, token }) => {
      expect(nodes).toHaveLength(3);
      const [master, dmz] = nodes as [string, string, string];
      // Every printed URL answers (the master's API with the printed token), dashboards included.
      expect(printed.filter((url) => url.endsWith('/ui'))).toEqual(nodes.map((node) => `${node}/ui`));
      for (const url of printed) {
        const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
        expect({ url, status: response.status }).toEqual({ url, status: 200 });
      }
      const listed = await fetch(`${master}/api/schedules`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(((await listed.json()) as { schedules: unknown[] }).schedules.length).toBeGreaterThanOrEqual(3);
      // The worker runs the every-10-seconds example; the DMZ replica shows it, without the secrets.
      const deadline = Date.now() + 30_000;
      for (;;) {
        const history = (await (
          await fetch(`${master}/api/history?status=succeeded`, {
            headers: { authorization: `Bearer ${token}` },
          })
        ).json()) as { jobs: Array<{ handlerId: string }> };
        if (history.jobs.some((job) => job.handlerId === 'dev-handler')) break;
        if (Date.now() > deadline) throw new Error('no job ran on the worker');
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      const dmzView = await (await fetch(`${dmz}/api/schedules?limit=100`)).text();
      expect(dmzView).toContain('sync-crm');
      expect(dmzView).not.toContain('sk_live_example_not_for_the_dmz');
      expect(dmzView).not.toContain('hooks.example.com');
      expect((await fetch(`${dmz}/api/schedules/sync-crm`, { method: 'DELETE' })).status).toBe(403);
    });
    expect(first).toContain('stopping every node');

    // A second run keeps the keys, the token and the data.
    const token = first.match(/API token \(master\)\s+(\S+)/)?.[1];
    await runOnce(async ({ nodes, token: again }) => {
      expect(again).toBe(token);
      const response = await fetch(`${nodes[0]}/api/schedules/sync-crm`, {
        headers: { authorization: `Bearer ${again}` },
      });
      expect(response.status).toBe(200);
    });
  });
});
