import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ENV_PREFIX, hasEnvPrefix } from '@schedulezero/config';

export const BIN = fileURLToPath(new URL('../../bin/schedulezero-master.js', import.meta.url));

export interface MasterProcess {
  child: ChildProcess;
  /** JSON log lines from stdout, parsed. */
  logs: Array<Record<string, unknown>>;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or 128 + signal number) once the process is gone. */
  exited: Promise<number>;
  /** Resolves with the base URL once the master logged `listening`; rejects if it exits first. */
  listening(timeoutMs?: number): Promise<string>;
  /** Sends `signal` and waits for the exit code, failing after `timeoutMs`. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number>;
}

const SIGNAL_NUMBERS: Record<string, number> = { SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };
const live = new Set<ChildProcess>();

/** Starts the real bin with a clean SCHEDULEZERO_* environment (the caller's own variables could change the outcome). */
export function startMasterProcess(options: {
  args: string[];
  cwd: string;
  env?: Record<string, string>;
  script?: string;
}): MasterProcess {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !hasEnvPrefix(key, ENV_PREFIX) && key !== 'INIT_CWD') env[key] = value;
  }
  const child = spawn(process.execPath, [options.script ?? BIN, ...options.args], {
    cwd: options.cwd,
    env: { ...env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  let out = '';
  let err = '';
  const logs: Array<Record<string, unknown>> = [];
  const waiters = new Set<() => void>();
  let pending = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // Not a log line (e.g. --help output).
      }
    }
    for (const wake of waiters) wake();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  const exited = new Promise<number>((resolve) => {
    child.on('exit', (code, signal) => {
      live.delete(child);
      for (const wake of waiters) wake();
      resolve(code ?? 128 + (signal ? (SIGNAL_NUMBERS[signal] ?? 0) : 0));
    });
  });
  let exitCode: number | undefined;
  void exited.then((code) => {
    exitCode = code;
  });

  const listening = (timeoutMs = 15_000) =>
    new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => done(new Error(`master did not listen within ${timeoutMs} ms\n${err}`)),
        timeoutMs,
      );
      const check = () => {
        const line = logs.find((entry) => entry.msg === 'listening');
        if (line) done(undefined, String(line.url));
        else if (exitCode !== undefined)
          done(new Error(`master exited with ${exitCode} before listening\n${err}\n${out}`));
      };
      const done = (error?: Error, url?: string) => {
        clearTimeout(timer);
        waiters.delete(check);
        if (error) reject(error);
        else resolve(url as string);
      };
      waiters.add(check);
      check();
    });

  const stop = async (signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 15_000) => {
    if (exitCode === undefined) child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`master did not exit within ${timeoutMs} ms of ${signal}`)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  };

  return { child, logs, stdout: () => out, stderr: () => err, exited, listening, stop };
}

/**
 * Kills what a failed test left running and reports how many there were, so that an `afterEach`
 * can fail the test that leaked a process.
 */
export async function killLeftovers(): Promise<number> {
  const left = [...live];
  for (const child of left) child.kill('SIGKILL');
  await Promise.all(
    left.map(
      (child) =>
        new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve))),
    ),
  );
  return left.length;
}
