import { fileURLToPath } from 'node:url';
import type { DevState } from './state.ts';

/**
 * The development topology: one master (SQLite, the admin, regional and DMZ streams, the handler
 * link), a DMZ replica and a regional replica, and one handler worker with the example handlers.
 * Everything on 127.0.0.1, every ZeroMQ link on CURVE with the keys of the state folder.
 *
 * With a cluster (`pnpm start --ha`), two or three masters share one PostgreSQL database instead,
 * each with its own HTTP port, handler link and zone streams (the same keys: masters of one cluster
 * may share them); the replicas and the worker follow the first master, as they follow one master.
 */

export const EXAMPLE_HANDLERS = fileURLToPath(new URL('../../../examples/handlers.ts', import.meta.url));

export interface Ports {
  master: number;
  dmzReplica: number;
  regionalReplica: number;
  /**
   * First ZeroMQ port: the handler link; publish + sync of admin, dmz and regional at +5, +7 and +9,
   * the ports the README's picture and deploy/ give them (5560/5561, 5562/5563, 5564/5565).
   */
  zeromq: number;
}

/** The handler link's endpoint, where workers connect. */
export function linkEndpoint(ports: Ports): string {
  return `tcp://127.0.0.1:${ports.zeromq}`;
}

export const DEFAULT_PORTS: Ports = { master: 8888, dmzReplica: 8889, regionalReplica: 8890, zeromq: 5555 };

/** `pnpm start --ha`: the masters' shared database and how many there are (2 or 3). */
export interface ClusterOptions {
  databaseUrl: string;
  masters: number;
}

/** The supervisor's names of a cluster's masters, first to last. */
export const CLUSTER_MASTERS = ['master-a', 'master-b', 'master-c'] as const;

/** ZeroMQ ports between one master's and the next's: its link at +0, its zone streams at +5…+10. */
const MASTER_ZEROMQ_STRIDE = 20;

/**
 * The ports of master `index` (0 = the first): the first has the single master's; the others
 * take the HTTP ports after the regional replica's and their ZeroMQ ports 20 further each.
 */
export function masterPorts(ports: Ports, index: number): { http: number; zeromq: number } {
  if (index === 0) return { http: ports.master, zeromq: ports.zeromq };
  return { http: ports.regionalReplica + index, zeromq: ports.zeromq + index * MASTER_ZEROMQ_STRIDE };
}

/** The highest port the topology binds: the last master's HTTP port with a cluster, else the regional replica's. */
export function highestPort(ports: Ports, masters: number): number {
  return Math.max(ports.regionalReplica, masterPorts(ports, masters - 1).http);
}

export interface NodeSpec {
  name: string;
  kind: 'master' | 'replica' | 'handler';
  config: Record<string, unknown>;
  /** The HTTP base URL a person opens, for the nodes that serve one. */
  url?: string;
}

/**
 * `workerKeys`: public keys of the developer's own workers (handler-keys.txt), admitted besides the
 * dev worker. `cluster`: several masters on PostgreSQL instead of one on SQLite.
 */
export function topology(
  state: DevState,
  ports: Ports,
  workerKeys: readonly string[] = [],
  cluster?: ClusterOptions,
): NodeSpec[] {
  const { secrets, dir } = state;
  const host = '127.0.0.1';
  const zonesAt = (zeromq: number) => {
    const zmq = (offset: number) => `tcp://${host}:${zeromq + offset}`;
    return {
      admin: { publish: zmq(5), sync: zmq(6) },
      dmz: { publish: zmq(7), sync: zmq(8) },
      regional: { publish: zmq(9), sync: zmq(10) },
    };
  };
  // Replicas and the worker follow the first master: the single one, or master-a of a cluster.
  const zones = zonesAt(ports.zeromq);
  const logging = { level: 'info', pretty: true };
  // A cluster's replicas keep their own files: a replica that met the SQLite master's stream would
  // take a snapshot at every switch between `pnpm start` and `pnpm start --ha`.
  const replicaFile = (name: string) => `${dir}/data/${cluster ? 'ha-' : ''}${name}.db`;
  const replica = (
    name: string,
    zone: 'regional' | 'dmz',
    port: number,
    keys: { publicKey: string; secretKey: string },
  ) => ({
    name,
    kind: 'replica' as const,
    url: `http://${host}:${port}`,
    config: {
      node: { type: 'replica', name, zone },
      network: { bindAddress: host, port },
      database: { url: `sqlite:${replicaFile(name)}` },
      replication: { zone, master: { ...zones[zone], serverKey: secrets.zones[zone].publicKey } },
      security: keys,
      logging,
    },
  });
  const master = (name: string, index: number, database: string, eventLog?: string) => {
    const own = masterPorts(ports, index);
    const link = `tcp://${host}:${own.zeromq}`;
    const at = zonesAt(own.zeromq);
    return {
      name,
      kind: 'master' as const,
      url: `http://${host}:${own.http}`,
      config: {
        node: { type: 'master', name: `dev-${name}`, zone: 'admin' },
        network: { bindAddress: host, port: own.http },
        database: { url: database },
        api: { tokens: [secrets.token] },
        handlers: {
          bind: link,
          secretKey: secrets.link.secretKey,
          clientKeys: [secrets.handler.publicKey, ...workerKeys],
        },
        replication: {
          zones: {
            admin: {
              ...at.admin,
              policy: 'admin',
              secretKey: secrets.zones.admin.secretKey,
              clientKeys: [],
            },
            regional: {
              ...at.regional,
              policy: 'regional',
              secretKey: secrets.zones.regional.secretKey,
              clientKeys: [secrets.regionalReplica.publicKey],
            },
            dmz: {
              ...at.dmz,
              policy: 'dmz',
              secretKey: secrets.zones.dmz.secretKey,
              clientKeys: [secrets.dmzReplica.publicKey],
            },
          },
        },
        logging: eventLog === undefined ? logging : { ...logging, eventLog },
      },
    };
  };
  const masters =
    cluster === undefined
      ? [master('master', 0, `sqlite:${dir}/data/master.db`)]
      : // Each with its event log: one line per cluster event, to watch a failover (docs/ha.md).
        CLUSTER_MASTERS.slice(0, cluster.masters).map((name, index) =>
          master(name, index, cluster.databaseUrl, `${dir}/logs/${name}.events.jsonl`),
        );
  return [
    ...masters,
    replica('dmz-replica', 'dmz', ports.dmzReplica, secrets.dmzReplica),
    replica('regional-replica', 'regional', ports.regionalReplica, secrets.regionalReplica),
    {
      name: 'handler',
      kind: 'handler',
      config: {
        node: { type: 'handler', name: 'dev-handler', zone: 'regional' },
        worker: {
          master: linkEndpoint(ports),
          serverKey: secrets.link.publicKey,
          modules: [EXAMPLE_HANDLERS],
          capacity: 8,
          tags: ['dev'],
        },
        security: secrets.handler,
        logging,
      },
    },
  ];
}
