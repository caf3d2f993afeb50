import { createPrivateKey, createPublicKey } from 'node:crypto';
import { inspect } from 'node:util';
import { curveKeyPair } from 'zeromq';
import { SecurityError } from './errors.ts';
import { firstNonZ85Char, z85Decode, z85Encode } from './z85.ts';

/**
 * CURVE keys as this package hands them around.
 *
 * A public key is a plain Z85 string: it is meant to be shared, logged and put in config.
 *
 * A secret key is a `SecretKey` object, never a string, so that it cannot end up in a log line by
 * accident: `JSON.stringify`, pino, `console.log`, `util.inspect` and template strings all print
 * `[redacted CURVE secret key]`. The Z85 text lives in a closure (not an own property, so no
 * serializer that walks properties finds it) and comes out only through `reveal()`, which is
 * meant for exactly two callers: the socket helpers that set `curveSecretKey`, and `pnpm keygen`
 * when it writes a new pair.
 */
export interface SecretKey {
  readonly kind: 'curve-secret-key';
  /** The Z85 text. Pass it to a socket option or a key file, never to a logger. */
  reveal(): string;
  toString(): string;
  toJSON(): string;
}

export interface CurveKeyPair {
  publicKey: string;
  secretKey: SecretKey;
}

export const CURVE_KEY_LENGTH = 40;
const REDACTED = '[redacted CURVE secret key]';

/** Why `text` is not a CURVE key in Z85, or undefined when it is one. Never quotes the text. */
export function describeKeyProblem(text: string): string | undefined {
  if (text.length !== CURVE_KEY_LENGTH) {
    return `must be ${CURVE_KEY_LENGTH} characters of Z85 text, got ${text.length} characters`;
  }
  const bad = firstNonZ85Char(text);
  if (bad >= 0) return `character ${bad + 1} is not in the Z85 alphabet`;
  if (!z85Decode(text)) return 'is not valid Z85 (a 5-character group exceeds 32 bits)';
  return undefined;
}

export function isCurveKey(text: string): boolean {
  return describeKeyProblem(text) === undefined;
}

/** Validates a public key; `source` names where it came from in the error (e.g. a config path). */
export function parsePublicKey(text: string, source = 'public key'): string {
  const problem = describeKeyProblem(text);
  if (problem) throw new SecurityError('invalid_key', `${source} ${problem}`);
  return text;
}

/** Wraps a Z85 secret key after validating it; the error names `source`, never the text. */
export function parseSecretKey(text: string, source = 'secret key'): SecretKey {
  const problem = describeKeyProblem(text);
  if (problem) throw new SecurityError('invalid_key', `${source} ${problem}`);
  const reveal = (): string => text;
  const redacted = (): string => REDACTED;
  return Object.freeze({
    kind: 'curve-secret-key' as const,
    reveal,
    toString: redacted,
    toJSON: redacted,
    [inspect.custom]: redacted,
  });
}

export function isSecretKey(value: unknown): value is SecretKey {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { kind?: unknown }).kind === 'curve-secret-key' &&
    typeof (value as { reveal?: unknown }).reveal === 'function'
  );
}

/** A new random pair from libzmq (libsodium or tweetnacl inside), as Z85. */
export function generateKeyPair(): CurveKeyPair {
  const pair = curveKeyPair();
  return { publicKey: pair.publicKey, secretKey: parseSecretKey(pair.secretKey) };
}

/** The Z85 form of a raw 32-byte key, as ZAP hands CURVE client keys over. */
export function publicKeyFromBytes(bytes: Uint8Array): string {
  if (bytes.length !== 32)
    throw new SecurityError('invalid_key', `a CURVE key has 32 bytes, got ${bytes.length}`);
  return z85Encode(bytes);
}

// CURVE keys are X25519 keys (crypto_box), so node:crypto can compute a secret key's public half.
// These are the fixed DER headers of a PKCS#8 X25519 private key and an SPKI public key.
const PKCS8_X25519_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');

/** The public key that belongs to `secretKey`. */
export function derivePublicKey(secretKey: SecretKey): string {
  const raw = z85Decode(secretKey.reveal());
  if (!raw) throw new SecurityError('invalid_key', 'secret key is not valid Z85');
  const privateKey = createPrivateKey({
    key: Buffer.concat([PKCS8_X25519_PREFIX, raw]),
    format: 'der',
    type: 'pkcs8',
  });
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  return z85Encode(spki.subarray(spki.length - 32));
}

/**
 * Throws `key_mismatch` when `publicKey` is not the public half of `secretKey`: the usual mistake
 * after a rotation that replaced one file of a pair but not the other.
 */
export function assertKeyPair(pair: CurveKeyPair, source = 'key pair'): void {
  if (derivePublicKey(pair.secretKey) !== pair.publicKey) {
    throw new SecurityError('key_mismatch', `${source}: the public key does not belong to the secret key`);
  }
}
