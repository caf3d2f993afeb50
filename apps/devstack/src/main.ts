import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ENV_PREFIX, hasEnvPrefix } from '@schedulezero/config';
import { EXIT_CODE_BY_SIGNAL, onStopSignals, STOP_SIGNALS } from '@schedulezero/node-runtime';
import { stringify } from 'yaml';
import { banner } from './banner.ts';
import { DEFAULT_HA_DATABASE_URL, HA_DATABASE_ENV, prepareClusterDatabase } from './cluster-database.ts';
import { parseDevArgs } from './dev-args.ts';
import { readHandlerKeys } from './handler-keys.ts';
import { seedSchedules } from './seed.ts';
import { openState } from './state.ts';
import { supervise } from './supervisor.ts';
import {
  type ClusterOptions,
  DEFAULT_PORTS,
  highestPort,
  linkEndpoint,
  type Ports,
  topology,
} from './topology.ts';

/**
 * `pnpm start`: the whole topology for development, until Ctrl-C. The state folder (keys, token,
 * configs, databases) is `.schedulezero/` at the repository root, or SCHEDULEZERO_DEV_STATE;
 * SCHEDULEZERO_DEV_PORT_OFFSET moves every port by that much (to run two side by side). Empty
 * values count as unset, as for the nodes' own variables.
 *
 * `pnpm start --ha` (`--ha=3`): two (three) masters on one PostgreSQL database instead of one on
 * SQLite, the database at SCHEDULEZERO_DEV_HA_DATABASE_URL or `schedulezero_dev` on the local
 * server, created if missing. Without a server that answers, it exits 1 saying so (docs/ha.md).
 */

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BINS = {
  master: join(ROOT, 'apps/master/bin/schedulezero-master.js'),
  replica: join(ROOT, 'apps/replica/bin/schedulezero-replica.js'),
  handler: join(ROOT, 'apps/handler/bin/schedulezero-handler.js'),
};
/** Preloaded into each child: it stops when the supervisor is gone, even if killed outright. */
const EXIT_WITH_PARENT = fileURLToPath(new URL('../bin/exit-with-parent.js', import.meta.url));
const READY_TIMEOUT_MS = 60_000;

const args = parseDevArgs(process.argv.slice(2));
if (!args.ok) {
  process.stderr.write(`${args.problem}\n`);
  process.exit(2);
}
const offset = Number(process.env.SCHEDULEZERO_DEV_PORT_OFFSET || 0);
const ports: Ports = {
  master: DEFAULT_PORTS.master + offset,
  dmzReplica: DEFAULT_PORTS.dmzReplica + offset,
  regionalReplica: DEFAULT_PORTS.regionalReplica + offset,
  zeromq: DEFAULT_PORTS.zeromq + offset,
};
// The highest port is an HTTP port; every ZeroMQ port is below it.
if (!Number.isInteger(offset) || offset < 0 || highestPort(ports, args.masters) > 65_535) {
  process.stderr.write(
    `SCHEDULEZERO_DEV_PORT_OFFSET must be a whole number from 0 to ${65_535 - highestPort(DEFAULT_PORTS, args.masters)}, not "${process.env.SCHEDULEZERO_DEV_PORT_OFFSET}"\n`,
  );
  process.exit(2);
}
// Absolute: the node configs written into it name its databases, and a relative path there would
// be read against the config file's directory.
const state = openState(resolve(process.env.SCHEDULEZERO_DEV_STATE || join(ROOT, '.schedulezero')));
const workerKeys = readHandlerKeys(state.dir);
const cluster = args.masters > 1 ? await openCluster(args.masters) : undefined;
const nodes = topology(state, ports, workerKeys.keys, cluster);
const write = (line: string) => process.stdout.write(`${line}\n`);
// After SIGHUP the terminal is gone and writes fail (EIO); that must not end the supervisor before
// it has stopped its children, so what cannot be written is dropped.
process.stdout.on('error', () => {});
if (workerKeys.invalid.length > 0)
  write(`${workerKeys.file}: not a CURVE public key, skipped: ${workerKeys.invalid.join('; ')}`);

// The children get a clean SCHEDULEZERO_* environment (in any case, as the nodes read it): each
// reads only its own config file.
const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !hasEnvPrefix(key, ENV_PREFIX)));
const supervisor = supervise(
  nodes.map((node) => {
    const file = join(state.dir, 'config', `${node.name}.yaml`);
    writeFileSync(file, stringify(node.config), { mode: 0o600 });
    return {
      name: node.name,
      command: process.execPath,
      args: ['--import', EXIT_WITH_PARENT, BINS[node.kind], '--config', file],
      env,
      logFile: join(state.dir, 'logs', `${node.name}.log`),
    };
  }),
  { write },
);

// Ctrl-C, a kill, or the terminal closing (SIGHUP): the children are in their own process groups
// and got none of these, so the supervisor stops each once. A second signal exits at once, and the
// supervisor's exit hook then signals the children again, which they take as "exit now".
let stopping = false;
const signals = onStopSignals(
  {
    stop: () => {
      stopping = true;
      write('stopping every node (Ctrl-C again to kill them)');
      void supervisor
        .stop()
        .then(() => signals.settled())
        .then(() => process.exit(0));
    },
    exitNow: (signal) => process.exit(EXIT_CODE_BY_SIGNAL[signal] ?? 1),
  },
  { signals: [...STOP_SIGNALS, 'SIGHUP'] },
);

const urls = nodes.flatMap((node) => (node.url ? [node.url] : []));
await Promise.all(urls.map((url) => waitForHealth(url)));
const master = nodes.find((node) => node.kind === 'master')?.url as string;
// The example schedules go into a new database: the state folder's on SQLite, a created one on PostgreSQL.
if (cluster === undefined ? state.fresh : cluster.created)
  await seedSchedules(master, state.secrets.token, write);
write(
  banner({
    nodes,
    state,
    cluster,
    link: linkEndpoint(ports),
    workerKeys: { file: workerKeys.file, count: workerKeys.keys.length },
  }),
);

/** The masters' PostgreSQL database, created if missing; without a server that answers, exit 1. */
async function openCluster(masters: number): Promise<ClusterOptions & { created: boolean }> {
  const databaseUrl = process.env[HA_DATABASE_ENV] || DEFAULT_HA_DATABASE_URL;
  const prepared = await prepareClusterDatabase(databaseUrl);
  if (!prepared.ok) {
    process.stderr.write(`${prepared.problem}\n`);
    process.exit(1);
  }
  return { databaseUrl, masters, created: prepared.created };
}

async function waitForHealth(url: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) return;
    } catch {
      // Not listening yet.
    }
    if (stopping) return;
    if (Date.now() > deadline) {
      write(`${url} did not answer within ${READY_TIMEOUT_MS / 1000} s`);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
