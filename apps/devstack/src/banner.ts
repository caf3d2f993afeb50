import { join } from 'node:path';
import { redactDatabaseUrl } from '@schedulezero/node-runtime';
import type { DevState } from './state.ts';
import type { ClusterOptions, NodeSpec } from './topology.ts';

/** What `pnpm start` prints once every node answers: where each one is and how to use it. */

export interface BannerInput {
  nodes: readonly NodeSpec[];
  state: DevState;
  cluster: ClusterOptions | undefined;
  /** The first master's handler link (where workers connect). */
  link: string;
  workerKeys: { file: string; count: number };
}

export function banner({ nodes, state, cluster, link, workerKeys }: BannerInput): string {
  const urls = nodes.flatMap((node) => (node.url ? [[node.name, node.url] as const] : []));
  const masters = nodes.filter((node) => node.kind === 'master');
  const first = masters[0];
  const master = first?.url as string;
  return [
    '',
    cluster === undefined
      ? 'ScheduleZero is up:'
      : `ScheduleZero is up, a cluster of ${masters.length} masters on ${redactDatabaseUrl(cluster.databaseUrl)}:`,
    ...urls.flatMap(([name, url]) => [
      `  ${name.padEnd(17)} dashboard ${url}/ui`,
      `  ${''.padEnd(17)} API       ${url}/api/schedules   (OpenAPI: ${url}/docs)`,
      ...(cluster !== undefined && masters.some((node) => node.name === name)
        ? [`  ${''.padEnd(17)} cluster   ${url}/api/cluster   (page: ${url}/ui/cluster)`]
        : []),
      ...(name === 'dmz-replica' ? [`  ${''.padEnd(17)} status    ${url}/status   (public, no login)`] : []),
    ]),
    `  API token (master)  ${state.secrets.token}   (also the master dashboard's login)`,
    `  try: curl -H "Authorization: Bearer ${state.secrets.token}" ${master}/api/history`,
    ...(cluster === undefined
      ? []
      : [
          `  the worker and both replicas follow ${first?.name} (its handler link and zone streams); the`,
          '  other masters fire schedules too, and the jobs run on the worker through the master it links to',
          `  each master's cluster events: ${join(state.dir, 'logs', '<master>.events.jsonl')}`,
          `  a failover: kill -9 a master's pid (listed in ${master}/api/cluster); the leader declares it`,
          '  dead after cluster.deadAfterMs (5 s) without a heartbeat; pnpm start restarts it (its next incarnation)',
        ]),
    `  state (keys, token, databases): ${state.dir}`,
    `  logs of each node: ${join(state.dir, 'logs')}`,
    '',
    '  your own handler worker (docs/handlers.md), in its config:',
    `    worker.master     ${link}`,
    `    worker.serverKey  ${state.secrets.link.publicKey}`,
    "    security.secretKey / publicKey: the worker's own pair (`pnpm -s keygen`); add its public key",
    `    to ${workerKeys.file} (one per line) and restart pnpm start (${workerKeys.count} listed now)`,
    '',
  ].join('\n');
}
