import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isCurveKey } from '@schedulezero/security-filter';

/**
 * The allow-list of your own workers for `pnpm start`: `handler-keys.txt` in the state folder, one
 * CURVE public key per line (`#` at the start of a line or after a space starts a comment). The node configs are written anew on every
 * run, so a key added to the generated master config would be lost; this file is read at start and
 * its keys join the dev worker's in the master's `handlers.clientKeys`.
 */

export const HANDLER_KEYS_FILE = 'handler-keys.txt';

const HEADER = `# Public CURVE keys of your own handler workers, one per line; restart \`pnpm start\` after a change.
# A new pair: \`pnpm -s keygen\` (the worker takes the secret key, this file the public one).
`;

export interface HandlerKeys {
  file: string;
  keys: string[];
  /** Lines that are not a key, with their line numbers, for a warning. */
  invalid: string[];
}

export function readHandlerKeys(stateDir: string): HandlerKeys {
  const file = join(stateDir, HANDLER_KEYS_FILE);
  if (!existsSync(file)) writeFileSync(file, HEADER, { mode: 0o600 });
  const keys: string[] = [];
  const invalid: string[] = [];
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((raw, index) => {
      // `#` is a Z85 digit too: a comment starts at a `#` that begins the line or follows a space.
      const line = raw.replace(/(^|\s)#.*$/, '').trim();
      if (line === '') return;
      if (isCurveKey(line)) keys.push(line);
      else invalid.push(`line ${index + 1}: ${JSON.stringify(line.slice(0, 60))}`);
    });
  return { file, keys, invalid };
}
