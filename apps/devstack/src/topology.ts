import { fileURLToPath } from 'node:url';
import type { DevState } from './state.ts';

/**
 * The development topology: one master (SQLite, the admin, regional and DMZ streams, the handler
 * link), a DMZ replica and a regional replica, and one handler worker with the example handlers.
 * Everything on 127.0.0.1, every ZeroMQ link on CURVE with the keys of the state folder.
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

export interface NodeSpec {
  name: string;
  kind: 'master' | 'replica' | 'handler';
  config: Record<string, unknown>;
  /** The HTTP base URL a person opens, for the nodes that serve one. */
  url?: string;
}

/** `workerKeys`: public keys of the developer's own workers (handler-keys.txt), admitted besides the dev worker. */
export function topology(state: DevState, ports: Ports, workerKeys: readonly string[] = []): NodeSpec[] {
  const { secrets, dir } = state;
  const host = '127.0.0.1';
  const zmq = (offset: number) => `tcp://${host}:${ports.zeromq + offset}`;
  const zones = {
    admin: { publish: zmq(5), sync: zmq(6) },
    dmz: { publish: zmq(7), sync: zmq(8) },
    regional: { publish: zmq(9), sync: zmq(10) },
  };
  const logging = { level: 'info', pretty: true };
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
      database: { url: `sqlite:${dir}/data/${name}.db` },
      replication: { zone, master: { ...zones[zone], serverKey: secrets.zones[zone].publicKey } },
      security: keys,
      logging,
    },
  });
  return [
    {
      name: 'master',
      kind: 'master',
      url: `http://${host}:${ports.master}`,
      config: {
        node: { type: 'master', name: 'dev-master', zone: 'admin' },
        network: { bindAddress: host, port: ports.master },
        database: { url: `sqlite:${dir}/data/master.db` },
        api: { tokens: [secrets.token] },
        handlers: {
          bind: linkEndpoint(ports),
          secretKey: secrets.link.secretKey,
          clientKeys: [secrets.handler.publicKey, ...workerKeys],
        },
        replication: {
          zones: {
            admin: {
              ...zones.admin,
              policy: 'admin',
              secretKey: secrets.zones.admin.secretKey,
              clientKeys: [],
            },
            regional: {
              ...zones.regional,
              policy: 'regional',
              secretKey: secrets.zones.regional.secretKey,
              clientKeys: [secrets.regionalReplica.publicKey],
            },
            dmz: {
              ...zones.dmz,
              policy: 'dmz',
              secretKey: secrets.zones.dmz.secretKey,
              clientKeys: [secrets.dmzReplica.publicKey],
            },
          },
        },
        logging,
      },
    },
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
