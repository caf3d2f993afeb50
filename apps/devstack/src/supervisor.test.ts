import { afterEach, describe, expect, it } from 'vitest';
import { type Supervisor, supervise } from './supervisor.ts';

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
});
