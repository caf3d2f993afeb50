import { spawn } from 'node:child_process';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/** The replica binary's `keygen`: a new CURVE pair as JSON on stdout, exit 0. */

const BIN = fileURLToPath(new URL('../bin/schedulezero-replica.js', import.meta.url));

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

function keygen(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const { PATH, HOME, TMPDIR } = process.env;
    const child = spawn(process.execPath, [BIN, 'keygen'], {
      env: { PATH, HOME, TMPDIR },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('schedulezero-replica command line', () => {
  it('`keygen` prints a new CURVE pair as JSON, another each time', async () => {
    const pairs = [];
    for (let attempt = 0; attempt < 2; attempt++) {
      const result = await keygen();
      expect(result, result.stderr).toMatchObject({ code: 0, stderr: '' });
      pairs.push(parseKeyPair(result.stdout));
    }
    expect(pairs[1]?.publicKey).not.toBe(pairs[0]?.publicKey);
    expect(pairs[1]?.secretKey).not.toBe(pairs[0]?.secretKey);
  }, 30_000);
});
