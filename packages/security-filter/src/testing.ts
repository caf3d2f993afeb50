import { derivePublicKey, isCurveKey, parseSecretKey } from './keys.ts';

/**
 * A CURVE pair as a node's `keygen` printed it, checked: one JSON object with exactly `publicKey`
 * and `secretKey`, both Z85 CURVE keys, the public one the secret's own. Throws naming what is wrong.
 */
export function checkKeygenOutput(stdout: string): { publicKey: string; secretKey: string } {
  const pair = JSON.parse(stdout) as Record<string, unknown>;
  const fields = Object.keys(pair).sort().join(',');
  if (fields !== 'publicKey,secretKey') throw new Error(`keygen printed the fields ${fields}`);
  const { publicKey, secretKey } = pair;
  for (const [name, key] of [
    ['publicKey', publicKey],
    ['secretKey', secretKey],
  ] as const) {
    if (typeof key !== 'string' || key.length !== 40 || !isCurveKey(key))
      throw new Error(`keygen printed a ${name} that is not a 40-character Z85 CURVE key`);
  }
  const pairOf = { publicKey: publicKey as string, secretKey: secretKey as string };
  if (derivePublicKey(parseSecretKey(pairOf.secretKey)) !== pairOf.publicKey)
    throw new Error('keygen printed a public key that does not belong to its secret key');
  return pairOf;
}
