import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Supervisor, supervise } from '../src/supervisor.ts';

let supervisor: Supervisor | undefined;
afterEach(async () => {
  await supervisor?.stop(1000);
  supervisor = undefined;
});

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('supervise', () => {
  it('prefixes output, restarts a crashed child with backoff, and stops every child', async () => {
    const lines: string[] = [];
    supervisor = supervise(
      [
        { name: 'crasher', command: process.execPath, args: ['-e', 'console.log("up"); process.exit(3)'] },
        {
          name: 'steady',
          command: process.execPath,
          args: ['-e', 'console.log("ready"); setInterval(() => {}, 1000)'],
        },
      ],
      { write: (line) => lines.push(line), initialBackoffMs: 50, maxBackoffMs: 200 },
    );
    await until(() => (supervisor?.restarts('crasher') ?? 0) >= 3);
    expect(lines).toContain('steady  | ready');
    expect(lines.filter((line) => line === 'crasher | up').length).toBeGreaterThanOrEqual(3);
    expect(lines).toContain('crasher | exited (3); restarting in 50 ms');
    expect(lines).toContain('crasher | exited (3); restarting in 100 ms');
    expect(supervisor.restarts('steady')).toBe(0);
    await supervisor.stop(1000);
    const after = lines.length;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(lines.length).toBe(after);
  });

  it("appends each child's lines, unprefixed, to its log file, across restarts and runs", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sz-supervisor-'));
    try {
      const logFile = join(dir, 'talker.log');
      const spec = {
        name: 'talker',
        command: process.execPath,
        args: ['-e', 'console.log("hello"); process.exit(3)'],
        logFile,
      };
      const lines: string[] = [];
      supervisor = supervise([spec], { write: (line) => lines.push(line), initialBackoffMs: 50 });
      await until(
        () =>
          (supervisor?.restarts('talker') ?? 0) >= 1 &&
          lines.filter((line) => line === 'talker | hello').length >= 2,
      );
      await supervisor.stop(1000);
      const first = readFileSync(logFile, 'utf8').split('\n');
      expect(first.filter((line) => line === 'hello').length).toBeGreaterThanOrEqual(2);
      expect(first).toContain('exited (3); restarting in 50 ms');
      // A second run appends to what the first wrote.
      supervisor = supervise([spec], { write: () => {}, initialBackoffMs: 50 });
      await until(
        () =>
          readFileSync(logFile, 'utf8')
            .split('\n')
            .filter((line) => line === 'hello').length > first.filter((line) => line === 'hello').length,
      );
      await supervisor.stop(1000);
      expect(readFileSync(logFile, 'utf8').startsWith(first.join('\n'))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
