import type { Logger } from '@schedulezero/node-runtime';
import {
  type ConfigureSocket,
  type ServerEndpointSettings,
  serverEndpointSecurity,
} from '@schedulezero/node-runtime';
import { startZapHandler, type ZapDomainConfig, type ZapHandler } from '@schedulezero/security-filter';
import type { Socket } from 'zeromq';

/**
 * The master's ZeroMQ security: every server endpoint (the handler link, each zone's stream) gets
 * CURVE with its own key and ZAP domain, and one ZAP handler decides for all of them from their
 * allow-lists. It is started before any socket binds; without it nobody gets in (fail closed).
 */
export interface ServerSecurity {
  configure(domain: string): ConfigureSocket;
  zap: ZapHandler;
  close(): Promise<void>;
}

export type ServerSecurityResult = { ok: true; security: ServerSecurity } | { ok: false; problems: string[] };

/**
 * @param onRefused called once for every handshake a server socket refused, whatever the cause: a
 * key the ZAP handler does not admit, a plaintext client, a client holding the wrong server key.
 * The socket's own handshake events count them all (libzmq never asks ZAP about the last two); the
 * ZAP handler only logs what it refused, with the key, since the socket reports that refusal too.
 */
export async function startServerSecurity(
  endpoints: readonly ServerEndpointSettings[],
  allowPlaintext: boolean,
  logger: Logger,
  onRefused: (domain: string) => void,
): Promise<ServerSecurityResult> {
  const problems: string[] = [];
  const configureByDomain = new Map<string, ConfigureSocket>();
  const domains: Record<string, ZapDomainConfig> = {};
  for (const endpoint of endpoints) {
    const outcome = await serverEndpointSecurity(endpoint, allowPlaintext);
    if (!outcome.ok) {
      problems.push(...outcome.problems);
      continue;
    }
    for (const warning of outcome.warnings) logger.warn({ endpoint: endpoint.setting }, warning);
    configureByDomain.set(endpoint.domain, outcome.value.configure);
    domains[endpoint.domain] = outcome.value.zap;
  }
  if (problems.length > 0) return { ok: false, problems };

  const zap = await startZapHandler({
    domains,
    onRejection: (rejection) => {
      logger.warn(
        {
          domain: rejection.domain,
          address: rejection.address,
          mechanism: rejection.mechanism,
          reason: rejection.reason,
          clientKey: rejection.clientKey,
        },
        'ZeroMQ connection refused',
      );
    },
    onError: (error) =>
      logger.error({ err: error }, 'ZAP handler stopped: no new ZeroMQ connection will be admitted'),
  });
  return {
    ok: true,
    security: {
      configure(domain) {
        const configure = configureByDomain.get(domain);
        if (!configure) throw new Error(`no security configured for ZAP domain "${domain}"`);
        return (socket) => {
          configure(socket);
          watchHandshakes(socket, domain, logger, onRefused);
        };
      },
      zap,
      close: () => zap.close(),
    },
  };
}

/**
 * Counts every refused handshake of a server socket once; logs those the ZAP handler did not see
 * (a ZAP refusal is `handshake:error:auth` here, already logged with its key).
 */
function watchHandshakes(
  socket: Socket,
  domain: string,
  logger: Logger,
  onRefused: (domain: string) => void,
): void {
  socket.events.on('handshake:error:auth', () => onRefused(domain));
  for (const type of ['handshake:error:protocol', 'handshake:error:other'] as const) {
    socket.events.on(type, (event) => {
      onRefused(domain);
      logger.warn(
        { domain, address: event.address, error: event.error.message },
        'ZeroMQ handshake failed (plaintext client or wrong server key?)',
      );
    });
  }
}
