import {
  configureCurveClient,
  configureCurveServer,
  configurePlaintextServer,
  derivePublicKey,
  type KeySource,
  loadPublicKey,
  loadSecretKey,
  parsePublicKey,
  type SecretKey,
  SecurityError,
} from '@schedulezero/security-filter';
import type { Socket } from 'zeromq';

/**
 * Turns a node's key settings into socket configuration: CURVE for every ZeroMQ socket, plaintext
 * only where the config says `security.allowPlaintext: true` (development), and then with a
 * warning. Problems are returned, listed like config problems; keys are never part of them.
 */

export type ConfigureSocket = (socket: Socket) => void;

export type SecurityOutcome<T> =
  | { ok: true; value: T; warnings: string[] }
  | { ok: false; problems: string[] };

export interface ServerEndpointSettings {
  /** The config path of the endpoint, for messages, e.g. `handlers` or `replication.zones.dmz`. */
  setting: string;
  /** The endpoint's ZAP domain. */
  domain: string;
  secretKey: KeySource;
  clientKeys: readonly string[];
  /** Added to the problem when the key is missing: what else the operator may configure. */
  missingKeyHint?: string;
}

export interface ServerEndpointSecurity {
  configure: ConfigureSocket;
  /** What the ZAP handler must admit for this domain. */
  zap: { clientKeys: string[]; allowPlaintext: boolean };
  plaintext: boolean;
}

export async function serverEndpointSecurity(
  endpoint: ServerEndpointSettings,
  allowPlaintext: boolean,
): Promise<SecurityOutcome<ServerEndpointSecurity>> {
  const problems: string[] = [];
  const clientKeys: string[] = [];
  endpoint.clientKeys.forEach((key, index) => {
    try {
      clientKeys.push(parsePublicKey(key, `${endpoint.setting}.clientKeys[${index}]`));
    } catch (error) {
      problems.push(messageOf(error));
    }
  });
  const hasKey = endpoint.secretKey.inline !== undefined || endpoint.secretKey.file !== undefined;
  if (!hasKey) {
    if (!allowPlaintext) {
      problems.push(
        `${endpoint.setting}: no secretKey/secretKeyFile for CURVE (plaintext needs security.allowPlaintext: true)${endpoint.missingKeyHint ? `; ${endpoint.missingKeyHint}` : ''}`,
      );
      return { ok: false, problems };
    }
    if (problems.length > 0) return { ok: false, problems };
    const { domain } = endpoint;
    return {
      ok: true,
      value: {
        configure: (socket) => configurePlaintextServer(socket, { domain }),
        zap: { clientKeys, allowPlaintext: true },
        plaintext: true,
      },
      warnings: [
        `${endpoint.setting}: PLAINTEXT ZeroMQ (security.allowPlaintext) — development only, anyone who reaches the port is admitted`,
      ],
    };
  }
  const loaded = await loadSecretKey(endpoint.secretKey, { label: `${endpoint.setting}.secretKey` });
  if (!loaded.ok) problems.push(loaded.error.message);
  if (!loaded.ok || problems.length > 0) return { ok: false, problems };
  const secretKey = loaded.key;
  const { domain } = endpoint;
  return {
    ok: true,
    value: {
      configure: (socket) => configureCurveServer(socket, { secretKey, domain }),
      zap: { clientKeys, allowPlaintext: false },
      plaintext: false,
    },
    warnings: loaded.warnings,
  };
}

export interface ClientSettings {
  setting: string;
  serverKey: KeySource;
  /** This node's own pair (`security` section). */
  secretKey: KeySource;
  publicKey: KeySource;
}

/** A client socket's security: CURVE with the server's key and this node's pair, or plaintext when allowed. */
export async function clientSecurity(
  settings: ClientSettings,
  allowPlaintext: boolean,
): Promise<SecurityOutcome<{ configure: ConfigureSocket | undefined; publicKey: string | undefined }>> {
  const given = (source: KeySource) => source.inline !== undefined || source.file !== undefined;
  if (!given(settings.serverKey)) {
    if (allowPlaintext) {
      return {
        ok: true,
        value: { configure: undefined, publicKey: undefined },
        warnings: [`${settings.setting}: PLAINTEXT ZeroMQ (security.allowPlaintext) — development only`],
      };
    }
    return {
      ok: false,
      problems: [
        `${settings.setting}: no serverKey for CURVE (plaintext needs security.allowPlaintext: true)`,
      ],
    };
  }
  const problems: string[] = [];
  const [serverKey, secretKey] = await Promise.all([
    loadPublicKey(settings.serverKey, { label: `${settings.setting}.serverKey` }),
    loadSecretKey(settings.secretKey, { label: 'security.secretKey' }),
  ]);
  if (!serverKey.ok) problems.push(serverKey.error.message);
  if (!secretKey.ok) problems.push(secretKey.error.message);
  if (!serverKey.ok || !secretKey.ok) return { ok: false, problems };
  const publicKey = await ownPublicKey(settings.publicKey, secretKey.key);
  if (!publicKey.ok) return publicKey;
  const server = serverKey.key;
  const pair = { publicKey: publicKey.value, secretKey: secretKey.key };
  return {
    ok: true,
    value: {
      configure: (socket) => configureCurveClient(socket, { serverKey: server, ...pair }),
      publicKey: pair.publicKey,
    },
    warnings: [...serverKey.warnings, ...secretKey.warnings],
  };
}

/** The public half is optional in config: derived from the secret key, and checked when given. */
async function ownPublicKey(source: KeySource, secretKey: SecretKey): Promise<SecurityOutcome<string>> {
  const derived = derivePublicKey(secretKey);
  if (source.inline === undefined && source.file === undefined)
    return { ok: true, value: derived, warnings: [] };
  const loaded = await loadPublicKey(source, { label: 'security.publicKey' });
  if (!loaded.ok) return { ok: false, problems: [loaded.error.message] };
  if (loaded.key !== derived)
    return { ok: false, problems: ['security.publicKey does not belong to security.secretKey'] };
  return { ok: true, value: derived, warnings: [] };
}

function messageOf(error: unknown): string {
  return error instanceof SecurityError || error instanceof Error ? error.message : String(error);
}
