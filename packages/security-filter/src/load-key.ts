import { open } from 'node:fs/promises';
import { SecurityError, toError } from './errors.ts';
import { parsePublicKey, parseSecretKey, type SecretKey } from './keys.ts';

/** Where a key comes from: the Z85 text inline (config), or a file holding it. Exactly one. */
export interface KeySource {
  inline?: string | undefined;
  file?: string | undefined;
}

export interface LoadKeyOptions {
  /** Names the setting in messages, e.g. `replication.zones.dmz.secretKeyFile`. */
  label?: string;
  /**
   * What to do with a secret key file that other users may read or write, or that its group may
   * write: `refuse` (default) fails, `warn` loads it and returns a warning. A file only its group
   * may read (0640, a service group) always loads with a warning.
   */
  insecureFile?: 'refuse' | 'warn';
}

export type LoadKeyResult<K> = { ok: true; key: K; warnings: string[] } | { ok: false; error: SecurityError };

/**
 * Reads a secret key. The file holds the Z85 text (surrounding whitespace ignored) or the JSON that
 * `pnpm keygen` prints (`{"publicKey","secretKey"}`). Errors name the file, never its content.
 */
export async function loadSecretKey(
  source: KeySource,
  options: LoadKeyOptions = {},
): Promise<LoadKeyResult<SecretKey>> {
  const label = options.label ?? 'secret key';
  const text = await readKeyText(source, label, 'secretKey', options.insecureFile ?? 'refuse');
  if (!text.ok) return text;
  try {
    return { ok: true, key: parseSecretKey(text.value, text.where), warnings: text.warnings };
  } catch (error) {
    return { ok: false, error: asSecurityError(error) };
  }
}

/** Reads a public key: Z85 text, or keygen JSON (its `publicKey`). No permission check. */
export async function loadPublicKey(
  source: KeySource,
  options: Pick<LoadKeyOptions, 'label'> = {},
): Promise<LoadKeyResult<string>> {
  const label = options.label ?? 'public key';
  const text = await readKeyText(source, label, 'publicKey', undefined);
  if (!text.ok) return text;
  try {
    return { ok: true, key: parsePublicKey(text.value, text.where), warnings: text.warnings };
  } catch (error) {
    return { ok: false, error: asSecurityError(error) };
  }
}

type TextResult =
  | { ok: true; value: string; where: string; warnings: string[] }
  | { ok: false; error: SecurityError };

async function readKeyText(
  source: KeySource,
  label: string,
  field: 'publicKey' | 'secretKey',
  insecureFile: 'refuse' | 'warn' | undefined,
): Promise<TextResult> {
  const hasInline = source.inline !== undefined && source.inline !== '';
  const hasFile = source.file !== undefined && source.file !== '';
  if (hasInline === hasFile) {
    const message = hasInline
      ? `${label}: give the key inline or as a file, not both`
      : `${label}: no key given (inline text or a file)`;
    return { ok: false, error: new SecurityError('invalid_key_source', message) };
  }
  if (hasInline) {
    return {
      ok: true,
      value: unwrap(String(source.inline).trim(), field),
      where: `${label} (inline)`,
      warnings: [],
    };
  }
  const path = String(source.file);
  const where = `${label} file ${path}`;
  const warnings: string[] = [];
  let content: string;
  try {
    // fstat on the open handle checks the very file we read, not whatever the path points to later.
    const handle = await open(path, 'r');
    try {
      if (insecureFile !== undefined && process.platform !== 'win32') {
        const { mode } = await handle.stat();
        const verdict = checkSecretFileMode(mode);
        if (verdict.level === 'insecure' && insecureFile === 'refuse') {
          const message = `${where} has mode ${formatMode(mode)}: ${verdict.reason}; run chmod 600 (or 400) on it`;
          return { ok: false, error: new SecurityError('insecure_key_file', message) };
        }
        if (verdict.level !== 'ok') warnings.push(`${where} has mode ${formatMode(mode)}: ${verdict.reason}`);
      }
      content = await handle.readFile('utf8');
    } finally {
      await handle.close();
    }
  } catch (error) {
    const cause = toError(error);
    const code = (cause as NodeJS.ErrnoException).code ?? 'error';
    return {
      ok: false,
      error: new SecurityError('key_file_unreadable', `${where} cannot be read (${code})`, { cause }),
    };
  }
  return { ok: true, value: unwrap(content.trim(), field), where, warnings };
}

/** Keygen output saved to a file is JSON with both halves; take the one asked for. */
function unwrap(text: string, field: 'publicKey' | 'secretKey'): string {
  if (!text.startsWith('{')) return text;
  try {
    const parsed: unknown = JSON.parse(text);
    const value =
      typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>)[field] : undefined;
    return typeof value === 'string' ? value.trim() : '';
  } catch {
    // Not JSON after all: validation reports it as a malformed key, without quoting it.
    return text;
  }
}

export interface FileModeVerdict {
  level: 'ok' | 'warn' | 'insecure';
  reason: string;
}

/** Judges the permission bits of a secret key file (POSIX). */
export function checkSecretFileMode(mode: number): FileModeVerdict {
  if (mode & 0o007) return { level: 'insecure', reason: 'other users can access it' };
  if (mode & 0o020) return { level: 'insecure', reason: 'its group can write it' };
  if (mode & 0o050) return { level: 'warn', reason: 'its group can read it' };
  return { level: 'ok', reason: 'only its owner can access it' };
}

function formatMode(mode: number): string {
  return `0${(mode & 0o777).toString(8).padStart(3, '0')}`;
}

function asSecurityError(error: unknown): SecurityError {
  return error instanceof SecurityError
    ? error
    : new SecurityError('invalid_key', toError(error).message, { cause: error });
}
