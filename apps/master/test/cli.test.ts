import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkKeygenOutput } from '@schedulezero/security-filter/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { killLeftovers, startMasterProcess } from './support/master-process.ts';

/**
 * The command line: usage, keygen, exit codes of a bad config, plaintext mode, and `pnpm master`
 * from another directory.
 */

const PNPM_SCRIPT = fileURLToPath(new URL('../bin/pnpm-master.js', import.meta.url));
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe('schedulezero-master command line', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sz-master-cli-'));
  });
  afterEach(async () => {
    const leaked = await killLeftovers();
    rmSync(dir, { recursive: true, force: true });
    expect(leaked, 'processes left running by the test').toBe(0);
  });

  it('prints usage with --help (exit 0) and refuses unknown options (exit 2)', async () => {
    const help = startMasterProcess({ args: ['--help'], cwd: dir });
    expect(await help.exited).toBe(0);
    expect(help.stdout()).toContain('Usage: schedulezero-master [--config FILE]');
    const wrong = startMasterProcess({ args: ['--conifg', 'x.yaml'], cwd: dir });
    expect(await wrong.exited).toBe(2);
    expect(wrong.stderr()).toMatch(/Unknown option '--conifg'/);
  }, 30_000);

  it('`keygen` prints a new CURVE pair as JSON, another each time', async () => {
    const pairs = [];
    for (let attempt = 0; attempt < 2; attempt++) {
      const keygen = startMasterProcess({ args: ['keygen'], cwd: dir });
      expect(await keygen.exited).toBe(0);
      pairs.push(checkKeygenOutput(keygen.stdout()));
    }
    expect(pairs[1]?.publicKey).not.toBe(pairs[0]?.publicKey);
    expect(pairs[1]?.secretKey).not.toBe(pairs[0]?.secretKey);
  }, 30_000);

  it('`pnpm -s keygen` from the root prints the same JSON and nothing else', async () => {
    const output = await new Promise<{ code: number | null; stdout: string }>((resolve, reject) => {
      const child = spawn('pnpm', ['-s', 'keygen'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
      let stdout = '';
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
      });
      child.on('error', reject);
      child.on('exit', (code) => resolve({ code, stdout }));
    });
    expect(output.code).toBe(0);
    expect(output.stdout.trim().split('\n')).toHaveLength(1);
    checkKeygenOutput(output.stdout);
  }, 30_000);

  it('lists every config problem on stderr and exits 2', async () => {
    writeFileSync(
      join(dir, 'bad.yaml'),
      'network: { port: 70000 }\ndatabase: { url: "mysql://db" }\napi: { tokens: [] }\nextra: 1\n',
    );
    const master = startMasterProcess({
      args: ['--config', 'bad.yaml'],
      cwd: dir,
      env: { SCHEDULEZERO_LOGGING__LEVEL: 'chatty' },
    });
    expect(await master.exited).toBe(2);
    const lines = master.stderr().split('\n');
    expect(lines[0]).toBe(`Invalid configuration (${join(dir, 'bad.yaml')}):`);
    for (const setting of ['network.port', 'database.url', 'api.tokens', 'logging.level', '(top level)']) {
      expect(
        lines.some((line) => line.startsWith(`  - ${setting}: `)),
        setting,
      ).toBe(true);
    }
  }, 30_000);

  it('exits 2 when a handler module cannot be loaded', async () => {
    writeFileSync(join(dir, 'handlers.ts'), 'export const notAFunction = 1;\n');
    writeFileSync(
      join(dir, 'master.yaml'),
      'network: { port: 0 }\ndatabase: { url: "sqlite::memory:" }\napi: { requireAuth: false }\nhandlers: { modules: [./handlers.ts, ./missing.ts] }\n',
    );
    const master = startMasterProcess({ args: ['--config', 'master.yaml'], cwd: dir });
    expect(await master.exited).toBe(2);
    expect(master.stderr()).toContain(`handlers.modules: ${join(dir, 'handlers.ts')} exports no functions`);
    expect(master.stderr()).toContain(`handlers.modules: cannot load ${join(dir, 'missing.ts')}`);
  }, 30_000);

  it('exits 2 with what to configure when the default handler link has no key', async () => {
    writeFileSync(
      join(dir, 'master.yaml'),
      'network: { port: 0 }\ndatabase: { url: "sqlite::memory:" }\napi: { requireAuth: false }\n',
    );
    const master = startMasterProcess({ args: ['--config', 'master.yaml'], cwd: dir });
    expect(await master.exited).toBe(2);
    const stderr = master.stderr();
    expect(stderr).toContain(
      'handlers: no secretKey/secretKeyFile for CURVE (plaintext needs security.allowPlaintext: true)',
    );
    expect(stderr).toContain('the handler link binds tcp://127.0.0.1:5555 (handlers.bind)');
    expect(stderr).toContain('handlers.bind: none');
  }, 30_000);

  it('runs a handler link without a key in plaintext only with security.allowPlaintext, and warns', async () => {
    const bind = `tcp://127.0.0.1:${await freePort()}`;
    writeFileSync(
      join(dir, 'master.yaml'),
      `network: { port: 0 }\ndatabase: { url: "sqlite::memory:" }\napi: { requireAuth: false }\nhandlers: { bind: "${bind}" }\nsecurity: { allowPlaintext: true }\n`,
    );
    const master = startMasterProcess({ args: ['--config', 'master.yaml'], cwd: dir });
    await master.listening();
    const warning = master.logs.find((line) => String(line.msg).includes('PLAINTEXT'));
    expect(warning).toMatchObject({ level: 40, endpoint: 'handlers' });
    expect(String(warning?.msg)).toContain('security.allowPlaintext');
    expect(await master.stop('SIGTERM')).toBe(0);
  }, 30_000);

  it('`pnpm master --config FILE` reads FILE relative to the directory it was typed in', async () => {
    const caller = join(dir, 'caller');
    mkdirSync(caller);
    writeFileSync(
      join(caller, 'master.yaml'),
      'network: { port: 0 }\ndatabase: { url: "sqlite:./state/master.db" }\napi: { requireAuth: false }\nhandlers: { bind: none }\n',
    );
    // pnpm runs root scripts in the workspace root and says where the user was in INIT_CWD.
    const master = startMasterProcess({
      script: PNPM_SCRIPT,
      args: ['--config', 'master.yaml'],
      cwd: fileURLToPath(new URL('../../..', import.meta.url)),
      env: { INIT_CWD: caller },
    });
    await master.listening();
    const line = master.logs.find((entry) => entry.msg === 'listening');
    expect(line?.database).toBe(`sqlite:${join(caller, 'state', 'master.db')}`);
    expect(await master.stop('SIGTERM')).toBe(0);
  }, 30_000);
});
