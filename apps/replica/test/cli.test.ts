import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { checkKeygenOutput } from '@schedulezero/security-filter/testing';
import { describe, expect, it } from 'vitest';

/** The replica binary's `keygen`: a new CURVE pair as JSON on stdout, exit 0. */

const BIN = fileURLToPath(new URL('../bin/schedulezero-replica.js', import.meta.url));

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
      pairs.push(checkKeygenOutput(result.stdout));
    }
    expect(pairs[1]?.publicKey).not.toBe(pairs[0]?.publicKey);
    expect(pairs[1]?.secretKey).not.toBe(pairs[0]?.secretKey);
  }, 30_000);
});
