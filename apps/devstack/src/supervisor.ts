import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';

/**
 * Keeps a set of child processes running for development: output prefixed with the child's name
 * (and appended to the child's log file when it has one), a crashed child restarted with
 * exponential backoff (reset after a minute of uptime), and on `stop()` every child asked to stop
 * (SIGTERM), then killed if it does not within the grace.
 *
 * Each child runs in its own process group, so a Ctrl-C in the terminal (SIGINT to the foreground
 * group) reaches the supervisor only, and each child gets exactly one request to stop: the nodes
 * take a second signal as "exit now", which a Ctrl-C that also reached them would have made of the
 * supervisor's SIGTERM. The price is that the children no longer die with the terminal's signals,
 * so the supervisor owns that: if its process exits without `stop()`, the exit hook asks every
 * child to stop; a supervisor killed outright is the children's own business to notice
 * (bin/exit-with-parent.js).
 */

export interface ChildSpec {
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  /** Where the child's lines are also appended, unprefixed, across restarts and runs. */
  logFile?: string;
}

export interface Supervisor {
  stop(graceMs?: number): Promise<void>;
  restarts(name: string): number;
}

export interface SupervisorOptions {
  /** Where prefixed output lines go. */
  write: (line: string) => void;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Uptime after which the backoff starts over. */
  stableMs?: number;
}

interface Running {
  spec: ChildSpec;
  log: WriteStream | undefined;
  child: ChildProcess | undefined;
  backoffMs: number;
  restarts: number;
  timer: NodeJS.Timeout | undefined;
}

export function supervise(specs: readonly ChildSpec[], options: SupervisorOptions): Supervisor {
  const initialBackoffMs = options.initialBackoffMs ?? 1000;
  const maxBackoffMs = options.maxBackoffMs ?? 30_000;
  const stableMs = options.stableMs ?? 60_000;
  const width = Math.max(...specs.map((spec) => spec.name.length));
  let stopping = false;
  const entries = specs.map(
    (spec): Running => ({
      spec,
      log:
        spec.logFile === undefined ? undefined : createWriteStream(spec.logFile, { flags: 'a', mode: 0o600 }),
      child: undefined,
      backoffMs: initialBackoffMs,
      restarts: 0,
      timer: undefined,
    }),
  );

  function launch(entry: Running): void {
    const { spec } = entry;
    const startedAt = Date.now();
    const child = spawn(spec.command, spec.args, {
      env: spec.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    entry.child = child;
    const prefix = `${spec.name.padEnd(width)} | `;
    const emit = (line: string) => {
      options.write(prefix + line);
      entry.log?.write(`${line}\n`);
    };
    for (const stream of [child.stdout, child.stderr]) {
      let pending = '';
      stream?.on('data', (chunk: Buffer) => {
        pending += chunk.toString();
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) emit(line);
      });
    }
    child.on('exit', (code, signal) => {
      entry.child = undefined;
      if (stopping) {
        emit(`stopped (${signal === null ? `exit code ${code}` : signal})`);
        return;
      }
      if (Date.now() - startedAt > stableMs) entry.backoffMs = initialBackoffMs;
      emit(`exited (${signal ?? code}); restarting in ${entry.backoffMs} ms`);
      entry.timer = setTimeout(() => {
        entry.timer = undefined;
        entry.restarts += 1;
        launch(entry);
      }, entry.backoffMs);
      entry.backoffMs = Math.min(entry.backoffMs * 2, maxBackoffMs);
    });
  }

  // Synchronous, as an 'exit' listener must be: the children finish stopping on their own.
  const signalChildren = () => {
    for (const entry of entries) entry.child?.kill('SIGTERM');
  };
  process.on('exit', signalChildren);
  for (const entry of entries) launch(entry);

  return {
    async stop(graceMs = 30_000) {
      stopping = true;
      await Promise.all(
        entries.map(async (entry) => {
          if (entry.timer) clearTimeout(entry.timer);
          const child = entry.child;
          if (!child || child.exitCode !== null || child.signalCode !== null) return;
          const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
          await exited;
          clearTimeout(timer);
        }),
      );
      await Promise.all(
        entries.map((entry) => {
          const log = entry.log;
          entry.log = undefined;
          return new Promise<void>((resolve) => (log ? log.end(resolve) : resolve()));
        }),
      );
      process.off('exit', signalChildren);
    },
    restarts: (name) => entries.find((entry) => entry.spec.name === name)?.restarts ?? 0,
  };
}
