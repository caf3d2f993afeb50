import { spawn } from 'node:child_process';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BIN, cleanEnv } from './support/worker-process.ts';

const ROOT = resolve(import.meta.dirname, '../../..');

const Z85 = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#';
const Z85_KEY = /^[0-9a-zA-Z.\-:+=^!/*?&<>()[\]{}@%$#]{40}$/;
// The DER header of a PKCS#8 X25519 private key: CURVE keys are X25519 keys.
const PKCS8_X25519 = Buffer.from('302e020100300506032b656e04220420', 'hex');

/** The 32 bytes of a Z85 key (ZeroMQ RFC 32). */
function z85Bytes(text: string): Buffer {
  const bytes = Buffer.alloc(32);
  for (let group = 0; group < 8; group++) {
    let value = 0;
    for (const char of text.slice(group * 5, group * 5 + 5)) value = value * 85 + Z85.indexOf(char);
    bytes.writeUInt32BE(value, group * 4);
  }
  return bytes;
}

/**
 * A pair as keygen printed it, checked: both halves 40 characters of Z85, and the public key the
 * one node:crypto computes from the secret key (not the code that printed it).
 */
function parseKeyPair(stdout: string): { publicKey: string; secretKey: string } {
  const pair = JSON.parse(stdout) as { publicKey: string; secretKey: string };
  expect(Object.keys(pair).sort()).toEqual(['publicKey', 'secretKey']);
  expect(pair.publicKey).toMatch(Z85_KEY);
  expect(pair.secretKey).toMatch(Z85_KEY);
  const secret = createPrivateKey({
    key: Buffer.concat([PKCS8_X25519, z85Bytes(pair.secretKey)]),
    format: 'der',
    type: 'pkcs8',
  });
  const spki = createPublicKey(secret).export({ format: 'der', type: 'spki' });
  expect(spki.subarray(-32).equals(z85Bytes(pair.publicKey))).toBe(true);
  return pair;
}

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
      pairs.push(parseKeyPair(result.output));
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
