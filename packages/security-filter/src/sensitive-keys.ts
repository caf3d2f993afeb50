/**
 * Keys whose values are secrets wherever they appear in free-form JSON (schedule args and
 * metadata, job results). Matching is a case-insensitive substring match that also ignores `_`,
 * `-`, `.` and spaces, so `api_key` catches `apiKey`, `X-Api-Key` and `stripe.api.key`. A false
 * positive removes a harmless value; a false negative leaks a secret — the matcher errs wide.
 */
export const DEFAULT_SENSITIVE_KEYS: readonly string[] = [
  'api_key',
  'apikey',
  'token',
  'password',
  'passwd',
  'secret',
  'webhook_url',
  'authorization',
  'private_key',
  'credential',
];

export type SensitiveKeyMatcher = (key: string) => boolean;

/** Deeper structures are cut here rather than recursed into (also ends any cycle). */
export const MAX_DEPTH = 64;

export function normalizeKey(key: string): string {
  return key.toLowerCase().replace(/[\s._-]/g, '');
}

export function createSensitiveKeyMatcher(
  patterns: readonly string[] = DEFAULT_SENSITIVE_KEYS,
): SensitiveKeyMatcher {
  const needles = [...new Set(patterns.map(normalizeKey))].filter((needle) => needle !== '');
  return (key) => {
    const haystack = normalizeKey(key);
    return needles.some((needle) => haystack.includes(needle));
  };
}

/**
 * A deep copy of JSON-like data. With `isSensitive`, every object key it matches is left out, at
 * any depth, inside arrays too. Dates are copied as dates; objects with `toJSON` (other than
 * dates) are copied as what they serialize to, which is what would have left the process.
 * Functions, symbols and `undefined` are dropped as JSON drops them; beyond `MAX_DEPTH` a value
 * becomes null.
 */
export function copyJson(value: unknown, isSensitive?: SensitiveKeyMatcher, depth = 0): unknown {
  if (value === null || typeof value !== 'object') {
    return typeof value === 'function' || typeof value === 'symbol' ? undefined : value;
  }
  if (depth >= MAX_DEPTH) return null;
  if (value instanceof Date) return new Date(value.getTime());
  if (Array.isArray(value)) {
    return value.map((item) => {
      const copied = copyJson(item, isSensitive, depth + 1);
      return copied === undefined ? null : copied;
    });
  }
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return copyJson(toJSON.call(value), isSensitive, depth + 1);
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (isSensitive?.(key)) continue;
    const copied = copyJson(item, isSensitive, depth + 1);
    if (copied !== undefined) setOwn(out, key, copied);
  }
  return out;
}

/** Assigns without triggering setters: a data key named `__proto__` stays a plain key. */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

export function isPlainRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}
