import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';

const here = dirname(fileURLToPath(import.meta.url));
export const BIN = resolve(here, '../../bin/schedulezero-handler.js');
export const FIXTURES = resolve(here, '../fixtures/handlers.ts');

export interface WorkerProcess {
  id: string;
  child: ChildProcess;
  /** stdout (JSON log lines) and stderr (fixture markers, errors), as they arrive. */
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves when `pattern` shows up in the output; rejects when the process exits first. */
  waitFor: (pattern: RegExp | string) => Promise<void>;
}

const spawned: WorkerProcess[] = [];

/** A hermetic environment: no INIT_CWD, no NODE_OPTIONS from the test runner. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const { PATH, HOME, TMPDIR } = process.env;
  return { PATH, HOME, TMPDIR, ...extra };
}

export function writeConfig(dir: string, name: string, config: unknown): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, stringify(config));
  return file;
}

export function workerConfig(
  endpoint: string,
  id: string,
  worker: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    node: { type: 'handler', name: id, shutdownGraceSeconds: 20 },
    worker: { master: endpoint, modules: [FIXTURES], capacity: 2, abortGraceSeconds: 1, ...worker },
    security: { allowPlaintext: true },
    logging: { level: 'debug' },
  };
}

export function spawnWorker(configFile: string, id: string, options: { cwd?: string; args?: string[] } = {}) {
  const child = spawn(process.execPath, [BIN, ...(options.args ?? ['--config', configFile])], {
    cwd: options.cwd ?? dirname(configFile),
    env: cleanEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  const watchers = new Set<() => void>();
  const append = (chunk: Buffer) => {
    text += chunk.toString('utf8');
    for (const watcher of watchers) watcher();
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => {
      resolve({ code, signal });
      for (const watcher of watchers) watcher();
    });
  });
  const worker: WorkerProcess = {
    id,
    child,
    output: () => text,
    exited,
    waitFor: (pattern) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          const found = typeof pattern === 'string' ? text.includes(pattern) : pattern.test(text);
          if (found) {
            watchers.delete(check);
            resolve();
          } else if (child.exitCode !== null || child.signalCode !== null) {
            watchers.delete(check);
            reject(new Error(`worker ${id} exited before ${String(pattern)}:\n${text}`));
          }
        };
        watchers.add(check);
        check();
      }),
  };
  spawned.push(worker);
  return worker;
}

/** Kills what a test left running and waits for it to be gone. */
export async function killAll(): Promise<void> {
  for (const worker of spawned.splice(0)) {
    if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill('SIGKILL');
    await worker.exited;
  }
}
