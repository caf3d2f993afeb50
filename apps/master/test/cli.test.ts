import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { killLeftovers, startMasterProcess } from './support/master-process.ts';

/** The command line: usage, exit codes of a bad config, and `pnpm master` from another directory. */

const PNPM_SCRIPT = fileURLToPath(new URL('../bin/pnpm-master.js', import.meta.url));

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
    expect(stderr).toContain('handlers: no secretKey/secretKeyFile for CURVE');
    expect(stderr).toContain('the handler link binds tcp://127.0.0.1:5555 (handlers.bind)');
    expect(stderr).toContain('handlers.bind: none');
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
