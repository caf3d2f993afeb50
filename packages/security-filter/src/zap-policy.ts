import { SecurityError } from './errors.ts';
import { parsePublicKey, publicKeyFromBytes } from './keys.ts';

/**
 * The decisions of the ZAP handler (ZeroMQ RFC 27), apart from the socket so they can be tested
 * frame by frame. Everything not explicitly admitted is rejected: an unknown domain, an unknown
 * mechanism, a malformed request, NULL or PLAIN outside a plaintext development domain.
 */

/** What one ZAP domain admits. */
export interface ZapDomainConfig {
  /** Z85 public keys of the clients admitted over CURVE. */
  clientKeys: readonly string[];
  /**
   * Development only: also admit NULL (no security) and PLAIN connections, whoever they are.
   * CURVE connections are still checked against `clientKeys`.
   */
  allowPlaintext?: boolean;
}

export const ZAP_REJECT_REASONS = [
  /** The request does not follow RFC 27 (frame count, version, CURVE key length). */
  'malformed_request',
  /** The server socket's ZAP domain is not configured here (or is empty). */
  'unknown_domain',
  /** NULL or PLAIN outside plaintext development mode, or a mechanism we do not support. */
  'mechanism_not_allowed',
  /** A CURVE client whose public key is not on the domain's allow-list. */
  'key_not_allowed',
] as const;
export type ZapRejectReason = (typeof ZAP_REJECT_REASONS)[number];

/** One refused handshake. Holds no secret: PLAIN credentials are never copied here. */
export interface ZapRejection {
  domain: string;
  /** The peer's IP address as libzmq reports it (no port). */
  address: string;
  mechanism: string;
  reason: ZapRejectReason;
  /** For CURVE: the client's public key (public by nature), so an operator can tell who knocked. */
  clientKey?: string;
}

export interface ZapRequest {
  version: string;
  requestId: Buffer;
  domain: string;
  address: string;
  /** The client socket's routing id, often empty. */
  identity: Buffer;
  mechanism: string;
  credentials: Buffer[];
}

export type ZapDecision =
  | { status: '200'; text: 'OK'; userId: string }
  | { status: '400'; text: string; rejection: ZapRejection };

/** A compiled domain table: key lookups are set membership on the Z85 text. */
export type ZapDomainTable = ReadonlyMap<
  string,
  { clientKeys: ReadonlySet<string>; allowPlaintext: boolean }
>;

/** Validates every domain and key; throws `invalid_config`/`invalid_key` naming the offender. */
export function compileZapDomains(domains: Readonly<Record<string, ZapDomainConfig>>): ZapDomainTable {
  const table = new Map<string, { clientKeys: ReadonlySet<string>; allowPlaintext: boolean }>();
  for (const [domain, config] of Object.entries(domains)) {
    table.set(domain, compileZapDomain(domain, config));
  }
  return table;
}

export function compileZapDomain(
  domain: string,
  config: ZapDomainConfig,
): { clientKeys: ReadonlySet<string>; allowPlaintext: boolean } {
  if (domain === '') {
    throw new SecurityError('invalid_config', 'a ZAP domain must not be empty (RFC 27, zapEnforceDomain)');
  }
  const keys = config.clientKeys.map((key, i) =>
    parsePublicKey(key, `ZAP domain "${domain}" clientKeys[${i}]`),
  );
  return { clientKeys: new Set(keys), allowPlaintext: config.allowPlaintext === true };
}

/**
 * Splits the frames a ROUTER receives on `inproc://zeromq.zap.01`:
 * [routing id, empty, version, request id, domain, address, identity, mechanism, ...credentials].
 * Returns undefined when not even a reply can be addressed.
 */
export function parseZapRequest(
  frames: Buffer[],
): { envelope: Buffer[]; request: ZapRequest | undefined } | undefined {
  const [routingId, delimiter, version, requestId, domain, address, identity, mechanism, ...credentials] =
    frames;
  if (!routingId || !delimiter || delimiter.length !== 0) return undefined;
  const envelope = [routingId, delimiter];
  if (!version || !requestId || !domain || !address || !identity || !mechanism) {
    return { envelope, request: undefined };
  }
  return {
    envelope,
    request: {
      version: version.toString('utf8'),
      requestId,
      domain: domain.toString('utf8'),
      address: address.toString('utf8'),
      identity,
      mechanism: mechanism.toString('utf8'),
      credentials,
    },
  };
}

export function decideZap(request: ZapRequest, domains: ZapDomainTable): ZapDecision {
  const reject = (reason: ZapRejectReason, text: string, clientKey?: string): ZapDecision => ({
    status: '400',
    text,
    rejection: {
      domain: request.domain,
      address: request.address,
      mechanism: request.mechanism,
      reason,
      ...(clientKey === undefined ? {} : { clientKey }),
    },
  });

  if (request.version !== '1.0') return reject('malformed_request', 'unsupported ZAP version');
  const policy = domains.get(request.domain);
  if (!policy) return reject('unknown_domain', 'unknown domain');

  switch (request.mechanism) {
    case 'CURVE': {
      const [raw, ...extra] = request.credentials;
      if (raw?.length !== 32 || extra.length > 0) {
        return reject('malformed_request', 'malformed CURVE credentials');
      }
      const clientKey = publicKeyFromBytes(raw);
      if (!policy.clientKeys.has(clientKey)) return reject('key_not_allowed', 'key not allowed', clientKey);
      return { status: '200', text: 'OK', userId: clientKey };
    }
    case 'NULL':
    case 'PLAIN':
      if (!policy.allowPlaintext) return reject('mechanism_not_allowed', 'plaintext not allowed');
      // The user id of a plaintext peer says so; PLAIN's username is not trusted, so it is not used.
      return { status: '200', text: 'OK', userId: 'plaintext' };
    default:
      return reject('mechanism_not_allowed', 'mechanism not supported');
  }
}

/** The reply frames for a decision (RFC 27): [envelope..., "1.0", request id, status, text, user id, metadata]. */
export function zapReplyFrames(
  envelope: Buffer[],
  requestId: Buffer,
  decision: ZapDecision,
): (Buffer | string)[] {
  const userId = decision.status === '200' ? decision.userId : '';
  return [...envelope, '1.0', requestId, decision.status, decision.text, userId, Buffer.alloc(0)];
}
