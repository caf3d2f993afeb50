import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { checkKeygenOutput } from '@schedulezero/security-filter/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BIN, cleanEnv } from './support/worker-process.ts';

const ROOT = resolve(import.meta.dirname, '../../..');

function run(command: string, args: string[], cwd: string): Promise<{ code: number | null; output: string }> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { cwd, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk;
    });
    child.on('error', fail);
    child.on('exit', (code) => done({ code, output }));
  });
}

describe('schedulezero-handler CLI', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sz-handler-cli-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('prints usage with --help and exits 0', async () => {
    const result = await run(process.execPath, [BIN, '--help'], dir);
    expect(result).toMatchObject({ code: 0, output: expect.stringContaining('Usage: schedulezero-handler') });
  });

  it('`keygen` prints a new CURVE pair as JSON, another each time', async () => {
    const pairs = [];
    for (let attempt = 0; attempt < 2; attempt++) {
      const result = await run(process.execPath, [BIN, 'keygen'], dir);
      expect(result.code).toBe(0);
      pairs.push(checkKeygenOutput(result.output));
    }
    expect(pairs[1]?.publicKey).not.toBe(pairs[0]?.publicKey);
    expect(pairs[1]?.secretKey).not.toBe(pairs[0]?.secretKey);
  });

  it('exits 2 on an unknown option', async () => {
    expect((await run(process.execPath, [BIN, '--nope'], dir)).code).toBe(2);
  });

  it('exits 2 listing every config problem', async () => {
    writeFileSync(
      join(dir, 'bad.yaml'),
      'worker: { capacity: 0, modules: [./missing.ts] }\nsecurity: { allowPlaintext: true }\n',
    );
    const result = await run(process.execPath, [BIN, '--config', 'bad.yaml'], dir);
    expect(result.code).toBe(2);
    expect(result.output).toContain(`Invalid configuration (${join(dir, 'bad.yaml')})`);
    expect(result.output).toContain('worker.capacity');
  });

  it('exits 2 when a module cannot be loaded', async () => {
    writeFileSync(
      join(dir, 'h.yaml'),
      'worker: { modules: [./missing.ts] }\nsecurity: { allowPlaintext: true }\n',
    );
    const result = await run(process.execPath, [BIN, '--config', 'h.yaml'], dir);
    expect(result.code).toBe(2);
    expect(result.output).toContain('cannot load');
  });

  it('`pnpm handler --config FILE` reads FILE relative to the directory it was typed in', async () => {
    writeFileSync(join(dir, 'bad.yaml'), 'worker: { capacity: 0 }\n');
    const result = await run('pnpm', ['--dir', ROOT, '--silent', 'handler', '--config', 'bad.yaml'], dir);
    expect(result.output).toContain(`Invalid configuration (${join(dir, 'bad.yaml')})`);
    expect(result.code).not.toBe(0);
  });
});
