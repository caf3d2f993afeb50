import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The real `schedulezero-master` and `schedulezero-handler` binaries as child processes, each with
 * a JSON config file (JSON is YAML) and its output in a file beside it, for benchmarks that kill
 * and restart nodes. Every process started here is killed when the benchmark exits.
 */

const BINS = {
  master: fileURLToPath(new URL('../../../apps/master/bin/schedulezero-master.js', import.meta.url)),
  handler: fileURLToPath(new URL('../../../apps/handler/bin/schedulezero-handler.js', import.meta.url)),
};

export interface NodeProcess {
  name: string;
  child: ChildProcess;
  pid: number;
  /** Resolves with the exit code, or the signal's name. */
  exited: Promise<number | string>;
  /** Sends `signal` and waits for the exit. */
  stop(signal: NodeJS.Signals, timeoutMs?: number): Promise<number | string>;
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** Starts the bin of `kind` with `config`; its output goes to `<dir>/<name>.out` (appended across restarts). */
export function startNode(
  kind: 'master' | 'handler',
  name: string,
  dir: string,
  config: unknown,
): NodeProcess {
  const file = join(dir, `${name}.json.yaml`);
  writeFileSync(file, JSON.stringify(config, null, 2));
  // The caller's SCHEDULEZERO_* variables would override the config: leave them out.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith('SCHEDULEZERO_')),
  );
  const out = openSync(join(dir, `${name}.out`), 'a');
  const child = spawn(process.execPath, [BINS[kind], '--config', file], {
    cwd: dir,
    env,
    stdio: ['ignore', out, out],
  });
  closeSync(out);
  live.add(child);
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      live.delete(child);
      resolve(code ?? signal ?? -1);
    });
  });
  const stop = async (signal: NodeJS.Signals, timeoutMs = 30_000) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    try {
      return await exited;
    } finally {
      clearTimeout(timer);
    }
  };
  return { name, child, pid: child.pid ?? -1, exited, stop };
}

/** A port free on 127.0.0.1 now, for a node that must come back on the same port after a restart. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Polls `probe` every 100 ms until it returns a value, or throws after `timeoutMs`. */
export async function pollFor<T>(
  probe: () => Promise<T | undefined>,
  what: string,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** CPU seconds (user + system) a live process has used so far, from /proc (Linux). */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}
