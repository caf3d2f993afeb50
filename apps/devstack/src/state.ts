import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateKeyPair } from '@schedulezero/security-filter';

/**
 * The development state folder (git-ignored): CURVE keys, the API token, configs, databases and
 * logs. Made on the first run and kept, so a second run finds its data and its keys again.
 */

export interface KeyPair {
  publicKey: string;
  secretKey: string;
}

/** The server keys of every endpoint and the client pair of every node. */
export interface DevSecrets {
  token: string;
  link: KeyPair;
  zones: Record<'admin' | 'regional' | 'dmz', KeyPair>;
  handler: KeyPair;
  dmzReplica: KeyPair;
  regionalReplica: KeyPair;
}

export interface DevState {
  dir: string;
  secrets: DevSecrets;
  /** True when this run created the folder (the example schedules are added then). */
  fresh: boolean;
}

export function openState(dir: string): DevState {
  const file = join(dir, 'secrets.json');
  const fresh = !existsSync(file);
  for (const sub of ['', 'config', 'data', 'logs'])
    mkdirSync(join(dir, sub), { recursive: true, mode: 0o700 });
  if (fresh) {
    writeFileSync(file, `${JSON.stringify(newSecrets(), null, 2)}\n`, { mode: 0o600 });
    chmodSync(file, 0o600);
  }
  return { dir, secrets: JSON.parse(readFileSync(file, 'utf8')) as DevSecrets, fresh };
}

function newSecrets(): DevSecrets {
  const pair = (): KeyPair => {
    const generated = generateKeyPair();
    return { publicKey: generated.publicKey, secretKey: generated.secretKey.reveal() };
  };
  return {
    token: randomBytes(24).toString('base64url'),
    link: pair(),
    zones: { admin: pair(), regional: pair(), dmz: pair() },
    handler: pair(),
    dmzReplica: pair(),
    regionalReplica: pair(),
  };
}
