import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { keyPair } from '../src/curve-keys.ts';
import { startNode, writeYaml } from '../src/node-process.ts';

/**
 * Attaching your own worker to `pnpm start` from what the banner prints: the link address and its
 * server key, and the file where the worker's public key goes. A worker whose key is not there says
 * so itself, within seconds.
 */

const START = fileURLToPath(new URL('../../../apps/devstack/bin/start.js', import.meta.url));
const EXAMPLES = fileURLToPath(new URL('../../../examples/handlers.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'sz-own-worker-'));
const state = join(dir, 'state');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('pnpm start and a worker of your own', () => {
  it('prints the link, its server key and the allow-list file; a listed worker registers, an unlisted one logs why it cannot', {
    timeout: 120_000,
  }, async () => {
    const listed = keyPair();
    const unlisted = keyPair();
    // The allow-list is read at start; a state folder made beforehand holds it on the first run.
    mkdirSync(state, { recursive: true });
    appendFileSync(join(state, 'handler-keys.txt'), `# mine\n${listed.publicKey}\n`);
    const env = { ...process.env, SCHEDULEZERO_DEV_STATE: state, SCHEDULEZERO_DEV_PORT_OFFSET: '2400' };
    const devstack = spawn(process.execPath, [START], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    for (const stream of [devstack.stdout, devstack.stderr])
      stream.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
    const exited = new Promise<number | null>((resolve) => devstack.on('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 60_000;
      while (!output.includes('worker.serverKey')) {
        if (Date.now() > deadline || devstack.exitCode !== null)
          throw new Error(`no banner within 60 s:\n${output.slice(-3000)}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const master = output.match(/worker\.master\s+(tcp:\/\/\S+)/)?.[1];
      const serverKey = output.match(/worker\.serverKey\s+(\S{40})/)?.[1];
      expect(master).toBe('tcp://127.0.0.1:7955');
      expect(serverKey).toBeDefined();
      expect(output).toContain(
        `to ${join(state, 'handler-keys.txt')} (one per line) and restart pnpm start (1 listed now)`,
      );

      const worker = (name: string, pair: { publicKey: string; secretKey: string }) =>
        startNode(
          'handler',
          name,
          writeYaml(dir, name, {
            node: { type: 'handler', name },
            worker: { master, serverKey, modules: [EXAMPLES] },
            security: pair,
          }),
        );
      const mine = worker('mine', listed);
      const stranger = worker('stranger', unlisted);
      try {
        await mine.waitForLog((line) => line.msg === 'registered with the master');
        const refused = await stranger.waitForLog(
          (line) => String(line.msg).includes('handshake with'),
          10_000,
        );
        expect(refused.msg).toBe(
          `CURVE handshake with ${master} failed: the master does not know this worker's key: add its public key ${unlisted.publicKey} to the master's handlers.clientKeys`,
        );
      } finally {
        await Promise.all([mine.stop(), stranger.stop()]);
      }
    } finally {
      process.kill(-(devstack.pid as number), 'SIGINT');
      expect(await exited).toBe(0);
    }
  });
});
