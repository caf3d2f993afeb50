import { generateKeyPair } from '@schedulezero/security-filter';

export interface PlainKeyPair {
  publicKey: string;
  secretKey: string;
}

/** A CURVE pair as `pnpm keygen` prints it: both halves as Z85 text, ready for a YAML config. */
export function keyPair(): PlainKeyPair {
  const pair = generateKeyPair();
  return { publicKey: pair.publicKey, secretKey: pair.secretKey.reveal() };
}
