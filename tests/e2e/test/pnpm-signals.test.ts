import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../src/free-port.ts';

/**
 * Ctrl-C on the root scripts as a newcomer types them: pnpm, the script and the node it runs are
 * one foreground process group, and the terminal sends SIGINT to all of them. A node that stopped
 * cleanly must leave pnpm with exit code 0 and no "ELIFECYCLE Command failed".
 */

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const state = mkdtempSync(join(tmpdir(), 'sz-pnpm-signals-'));
afterAll(() => rmSync(state, { recursive: true, force: true }));

async function runUntilReady(
  args: string[],
  env: NodeJS.ProcessEnv,
  ready: string,
  signal: NodeJS.Signals,
): Promise<{ code: number | null; output: string }> {
  // Its own process group, as a shell gives a foreground job.
  const child = spawn('pnpm', args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const group = child.pid as number;
  let output = '';
  for (const stream of [child.stdout, child.stderr])
    stream.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    const deadline = Date.now() + 60_000;
    while (!output.includes(ready)) {
      if (Date.now() > deadline || child.exitCode !== null)
        throw new Error(`"${ready}" not seen within 60 s:\n${output.slice(-3000)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    process.kill(-group, signal);
  }
  const timeout = setTimeout(() => process.kill(-group, 'SIGKILL'), 60_000);
  const code = await exited;
  clearTimeout(timeout);
  return { code, output };
}

describe('Ctrl-C on the pnpm scripts', () => {
  it('pnpm start: SIGINT to the group stops every node and pnpm exits 0 without a failure', {
    timeout: 150_000,
  }, async () => {
    const env = { ...process.env, SCHEDULEZERO_DEV_STATE: state, SCHEDULEZERO_DEV_PORT_OFFSET: '2200' };
    const { code, output } = await runUntilReady(['start'], env, 'ScheduleZero is up', 'SIGINT');
    expect(output).toContain('stopping every node');
    for (const name of ['master', 'dmz-replica', 'regional-replica', 'handler']) {
      expect(output).toMatch(new RegExp(`^${name} +\\| stopped \\(exit code 0\\)$`, 'm'));
      // The state folder's logs/ holds each node's lines, as docs/configuration.md says.
      expect(readFileSync(join(state, 'logs', `${name}.log`), 'utf8')).toMatch(/^stopped \(exit code 0\)$/m);
    }
    expect(output).not.toContain('ELIFECYCLE');
    expect(output).not.toContain('Command failed');
    expect(code).toBe(0);
  });

  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    it(`pnpm handler: ${signal} to the group drains the worker once and pnpm exits 0`, async () => {
      const env = {
        ...process.env,
        // Nobody listens there: the worker is started and registering, which is all this needs.
        SCHEDULEZERO_WORKER__MASTER: `tcp://127.0.0.1:${await freePort()}`,
        SCHEDULEZERO_LOGGING__PRETTY: 'false',
      };
      const { code, output } = await runUntilReady(
        ['handler', '--config', 'apps/handler/examples/handler.yaml'],
        env,
        'handler started',
        signal,
      );
      expect(output).toContain('drained; stopped');
      // The terminal's signal and pnpm's forward of it are one request, not "exit now".
      expect(output).not.toContain('second signal');
      expect(output).not.toContain('ELIFECYCLE');
      expect(output).not.toContain('Command failed');
      expect(code).toBe(0);
    });

  it('pnpm master: SIGINT to the group stops the master once and pnpm exits 0', async () => {
    writeFileSync(
      join(state, 'master.yaml'),
      `network: { port: 0 }\ndatabase: { url: "sqlite:${state}/master.db" }\napi: { requireAuth: false }\nhandlers: { bind: none }\nlogging: { pretty: false }\n`,
    );
    const { code, output } = await runUntilReady(
      ['master', '--config', join(state, 'master.yaml')],
      process.env,
      'master ready',
      'SIGINT',
    );
    expect(output).toContain('"msg":"stopped"');
    expect(output).not.toContain('second signal');
    expect(output).not.toContain('ELIFECYCLE');
    expect(code).toBe(0);
  });
});
