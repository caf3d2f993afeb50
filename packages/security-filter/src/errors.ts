/**
 * The one error type of this package. Callers branch on `code`. Messages never contain secret key
 * material: they name the source of a key (inline text or a file path), never its content.
 */
export const SECURITY_ERROR_CODES = [
  /** Not 40 characters of the Z85 alphabet. */
  'invalid_key',
  /** A key source names neither `inline` nor `file`, or both. */
  'invalid_key_source',
  /** The key file cannot be read. */
  'key_file_unreadable',
  /** A secret key file other users may read or write. */
  'insecure_key_file',
  /** A public key that does not belong to the secret key it is paired with. */
  'key_mismatch',
  /** A ZAP handler already answers in this zeromq context (one per context). */
  'zap_handler_in_use',
  /** A socket option set too late or with a value zeromq refuses. */
  'invalid_socket',
  /** A ZAP domain or zone policy that cannot be used as given. */
  'invalid_config',
] as const;
export type SecurityErrorCode = (typeof SECURITY_ERROR_CODES)[number];

export class SecurityError extends Error {
  readonly code: SecurityErrorCode;

  constructor(code: SecurityErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'SecurityError';
    this.code = code;
  }
}

export function toError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value), { cause: value });
}
