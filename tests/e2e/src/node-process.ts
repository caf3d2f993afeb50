import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ENV_PREFIX, hasEnvPrefix } from '@schedulezero/config';
import { stringify } from 'yaml';

/** The three node binaries, run as an operator runs them. */
export const BINS = {
  master: fileURLToPath(new URL('../../../apps/master/bin/schedulezero-master.js', import.meta.url)),
  handler: fileURLToPath(new URL('../../../apps/handler/bin/schedulezero-handler.js', import.meta.url)),
  replica: fileURLToPath(new URL('../../../apps/replica/bin/schedulezero-replica.js', import.meta.url)),
} as const;

export type NodeKind = keyof typeof BINS;

export interface NodeProcess {
  name: string;
  child: ChildProcess;
  /** JSON log lines from stdout, parsed as they arrive. */
  logs: Array<Record<string, unknown>>;
  output(): string;
  /** Exit code, or 128 + signal number. */
  exited: Promise<number>;
  /** Resolves with the first log line that matches; rejects when the process exits first or time runs out. */
  waitForLog(
    match: (line: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
  /** Sends `signal` and resolves with the exit code. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number>;
}

const SIGNAL_NUMBERS: Record<string, number> = { SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };
const live = new Set<NodeProcess>();

export function writeYaml(dir: string, name: string, value: unknown): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, stringify(value));
  return file;
}

/**
 * Starts a node binary with `--config FILE` in a clean environment (no SCHEDULEZERO_* from the
 * caller), inside network namespace `netns` when given.
 */
export function startNode(
  kind: NodeKind,
  name: string,
  configFile: string,
  env: Record<string, string> = {},
  netns?: string,
): NodeProcess {
  const base: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !hasEnvPrefix(key, ENV_PREFIX) && key !== 'INIT_CWD' && key !== 'NODE_OPTIONS')
      base[key] = value;
  }
  const command = [process.execPath, BINS[kind], '--config', configFile];
  const [program, ...args] = netns ? ['ip', 'netns', 'exec', netns, ...command] : command;
  const child = spawn(program as string, args, {
    env: { ...base, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Array<Record<string, unknown>> = [];
  const watchers = new Set<() => void>();
  let text = '';
  let pending = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    text += chunk.toString();
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // Not a JSON log line.
      }
    }
    for (const watcher of watchers) watcher();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  let exitCode: number | undefined;
  const exited = new Promise<number>((resolve) => {
    child.on('exit', (code, signal) => {
      exitCode = code ?? 128 + (signal ? (SIGNAL_NUMBERS[signal] ?? 0) : 0);
      live.delete(node);
      for (const watcher of watchers) watcher();
      resolve(exitCode);
    });
  });

  const node: NodeProcess = {
    name,
    child,
    logs,
    output: () => text,
    exited,
    waitForLog(match, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => finish(new Error(`${name}: no such log line within ${timeoutMs} ms\n${text.slice(-4000)}`)),
          timeoutMs,
        );
        const check = () => {
          const found = logs.find(match);
          if (found) finish(undefined, found);
          else if (exitCode !== undefined)
            finish(new Error(`${name} exited with ${exitCode}\n${text.slice(-4000)}`));
        };
        const finish = (error?: Error, line?: Record<string, unknown>) => {
          clearTimeout(timer);
          watchers.delete(check);
          if (error) reject(error);
          else resolve(line as Record<string, unknown>);
        };
        watchers.add(check);
        check();
      });
    },
    async stop(signal = 'SIGTERM', timeoutMs = 20_000) {
      if (exitCode === undefined) child.kill(signal);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`${name} did not exit within ${timeoutMs} ms of ${signal}`)),
          timeoutMs,
        );
      });
      try {
        return await Promise.race([exited, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
  live.add(node);
  return node;
}

/** Kills whatever a test left running and says how many, so that `afterEach` can fail the test that leaked. */
export async function killLeftovers(): Promise<number> {
  const left = [...live];
  for (const node of left) node.child.kill('SIGKILL');
  await Promise.all(left.map((node) => node.exited));
  return left.length;
}
