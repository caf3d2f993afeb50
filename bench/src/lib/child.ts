import { type ChildProcess, fork } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Roles run in their own processes (producers, workers, masters), as in a deployment. The parent
 * talks to a role over the IPC channel with a tiny request/reply protocol and kills every child
 * it started when it exits, fails or is interrupted.
 */

interface Reply {
  type: 'reply';
  id: number;
  ok: boolean;
  value?: unknown;
  error?: string;
}

export interface RoleProcess {
  name: string;
  pid: number;
  /** Sends a command to the role and waits for its reply, at most `timeoutMs`. */
  call<T = unknown>(command: string, data?: unknown, timeoutMs?: number): Promise<T>;
  /** Asks the role to stop, then kills it after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
  exited: Promise<number | null>;
}

const children = new Set<ChildProcess>();
let nextId = 1;

function killAll(): void {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
}
process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    killAll();
    process.exit(130);
  });
}

const tsxLoader = import.meta.resolve('tsx');
const rolesDir = fileURLToPath(new URL('../roles/', import.meta.url));

/** Roles to run under `node --cpu-prof`, from BENCH_PROFILE (comma-separated role names). */
function profileArgs(role: string): string[] {
  const wanted = (process.env.BENCH_PROFILE ?? '').split(',').filter(Boolean);
  if (!wanted.includes(role)) return [];
  // One directory per process and Node's default names: the main thread and tsx's loader thread
  // each write their own profile (a fixed --cpu-prof-name made the loader thread's overwrite it).
  const dir = fileURLToPath(new URL(`../../results/profiles/${role}-${Date.now()}/`, import.meta.url));
  mkdirSync(dir, { recursive: true });
  return ['--cpu-prof', `--cpu-prof-dir=${dir}`];
}

/** Starts `src/roles/<role>.ts` with `params` and resolves once it reports ready. */
export async function startRole(
  role: string,
  params: unknown,
  readyTimeoutMs = 60_000,
): Promise<RoleProcess> {
  const child = fork(`${rolesDir}${role}.ts`, [JSON.stringify(params)], {
    execArgv: ['--import', tsxLoader, ...profileArgs(role)],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env },
  });
  children.add(child);
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      children.delete(child);
      for (const waiter of pending.values()) waiter.reject(new Error(`${role} exited (${code})`));
      pending.clear();
      resolve(code);
    });
  });
  child.on('message', (message: Reply) => {
    if (message?.type !== 'reply') return;
    const waiter = pending.get(message.id);
    if (!waiter) return;
    pending.delete(message.id);
    if (message.ok) waiter.resolve(message.value);
    else waiter.reject(new Error(`${role}: ${message.error}`));
  });

  const call = <T>(command: string, data?: unknown, timeoutMs = 120_000): Promise<T> => {
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`${role}: ${command} took longer than ${timeoutMs} ms`));
      }, timeoutMs);
      pending.set(id, {
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value as T);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      child.send({ type: 'call', id, command, data });
    });
  };

  const stop = async (graceMs = 5_000) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    await Promise.race([call('stop', undefined, graceMs).catch(() => {}), exited]);
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };

  try {
    await call('ready', undefined, readyTimeoutMs);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return { name: role, pid: child.pid ?? -1, call, stop, exited };
}

/** Stops roles in parallel; never throws. */
export async function stopAll(roles: Array<RoleProcess | undefined>): Promise<void> {
  await Promise.all(roles.map((role) => role?.stop().catch(() => {})));
}
