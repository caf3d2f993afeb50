import type { z } from 'zod';

/**
 * Environment overrides, driven by the config schema: `PREFIX<SECTION>__<KEY>[__<KEY>...]` names a
 * setting (levels joined by `__`, matched case-insensitively against the schema's keys, `_` inside a
 * level ignored so `BIND_ADDRESS` finds `bindAddress`), and the value is coerced by the type the
 * schema expects there. The whole name is case-insensitive, prefix and shorthands included, so that
 * `schedulezero_network__port` is the same setting as `SCHEDULEZERO_NETWORK__PORT` rather than
 * silently nothing. Nothing here knows a particular app; the schema is the only map.
 */

export interface Override {
  /** The variable the value came from, e.g. `SCHEDULEZERO_NETWORK__PORT`. */
  source: string;
  path: string[];
  value: unknown;
  /** `append` adds to an array (a token shorthand adds one token to the list). */
  mode: 'set' | 'append';
}

/** A variable without `__` that stands for one setting. */
export interface Shorthand {
  path: string[];
  mode?: 'set' | 'append';
}

export interface EnvOverrides {
  overrides: Override[];
  problems: string[];
}

type AnySchema = z.core.$ZodType;

export function collectEnvOverrides(
  schema: AnySchema,
  env: Readonly<Record<string, string | undefined>>,
  prefix: string,
  shorthands: Readonly<Record<string, Shorthand>> = {},
  current: unknown = {},
): EnvOverrides {
  const overrides: Override[] = [];
  const problems: string[] = [];
  // Sorted so that the result (and the order problems are listed in) does not depend on the
  // order of the environment.
  const names = Object.keys(env)
    .filter((name) => hasEnvPrefix(name, prefix))
    .sort();
  const shorthandByName = new Map(
    Object.entries(shorthands).map(([name, shorthand]) => [name.toUpperCase(), shorthand]),
  );

  for (const name of names) {
    const raw = env[name];
    // An empty value counts as unset: compose files and shells often pass `VAR=` for "nothing".
    if (raw === undefined || raw === '') continue;
    const shorthand = shorthandByName.get(name.toUpperCase());
    if (shorthand) {
      const leaf = schemaAt(schema, shorthand.path);
      const mode = shorthand.mode ?? 'set';
      const target = mode === 'append' && leaf && kindOf(unwrap(leaf)) === 'array' ? elementOf(leaf) : leaf;
      overrides.push({ source: name, path: shorthand.path, value: coerce(target, raw), mode });
      continue;
    }
    const rest = name.slice(prefix.length);
    // Names without `__` are not settings (they may be shorthands of another node type).
    if (!rest.includes('__')) continue;
    const resolved = resolvePath(schema, rest.split('__'), current);
    if ('problem' in resolved) {
      problems.push(`${name}: ${resolved.problem}`);
      continue;
    }
    overrides.push({ source: name, path: resolved.path, value: coerce(resolved.schema, raw), mode: 'set' });
  }
  // Shorthands first, then the explicit `SECTION__KEY` form, so the more specific name wins.
  overrides.sort(
    (a, b) => Number(a.source.includes('__', prefix.length)) - Number(b.source.includes('__', prefix.length)),
  );
  return { overrides, problems };
}

/** Whether `name` starts with `prefix` in any case: what makes a variable one of ours. */
export function hasEnvPrefix(name: string, prefix: string): boolean {
  return name.slice(0, prefix.length).toUpperCase() === prefix.toUpperCase();
}

/** Applies overrides to a copy of `raw` (the parsed file), creating sections as needed. */
export function applyOverrides(raw: unknown, overrides: readonly Override[]): Record<string, unknown> {
  const root: Record<string, unknown> = isPlainObject(raw) ? structuredClone(raw) : {};
  for (const { path, value, mode } of overrides) {
    let node = root;
    for (const key of path.slice(0, -1)) {
      const next = node[key];
      if (!isPlainObject(next)) node[key] = {};
      node = node[key] as Record<string, unknown>;
    }
    const last = path[path.length - 1] as string;
    if (mode === 'append') {
      const existing = node[last];
      node[last] = [...(Array.isArray(existing) ? existing : []), value];
    } else {
      node[last] = value;
    }
  }
  return root;
}

type Resolved = { path: string[]; schema: AnySchema | undefined } | { problem: string };

function resolvePath(schema: AnySchema, segments: string[], current: unknown): Resolved {
  const path: string[] = [];
  let node: AnySchema | undefined = schema;
  let value = current;
  for (const segment of segments) {
    if (segment === '') return { problem: 'empty level in the name (three or more underscores in a row?)' };
    const inner: AnySchema | undefined = node ? unwrap(node) : undefined;
    const kind = inner ? kindOf(inner) : 'unknown';
    const existing = isPlainObject(value) ? Object.keys(value).find((key) => same(key, segment)) : undefined;
    if (inner && kind === 'object') {
      const shape: Record<string, AnySchema> = (
        inner._zod.def as unknown as { shape: Record<string, AnySchema> }
      ).shape;
      const key = Object.keys(shape).find((candidate) => same(candidate, segment));
      if (!key) {
        const where = path.length ? `"${path.join('.')}"` : 'the config';
        return {
          problem: `no setting "${segment.toLowerCase()}" in ${where} (known: ${Object.keys(shape).join(', ')})`,
        };
      }
      path.push(key);
      node = shape[key];
    } else if (inner && kind === 'record') {
      // Free keys (e.g. zone names): reuse the spelling the file has, else lower case.
      const key = existing ?? segment.toLowerCase();
      path.push(key);
      node = (inner._zod.def as unknown as { valueType: AnySchema }).valueType;
    } else if (kind === 'unknown' || kind === 'any') {
      path.push(existing ?? segment.toLowerCase());
      node = undefined;
    } else {
      return { problem: `"${path.join('.')}" is a ${kind}, it has no "${segment.toLowerCase()}"` };
    }
    value = isPlainObject(value) ? value[path[path.length - 1] as string] : undefined;
  }
  return { path, schema: node };
}

/** Turns the text of a variable into the type the schema expects; zod reports what still does not fit. */
export function coerce(schema: AnySchema | undefined, text: string): unknown {
  const inner = schema ? unwrap(schema) : undefined;
  const kind = inner ? kindOf(inner) : 'unknown';
  const trimmed = text.trim();
  switch (kind) {
    case 'number':
    case 'int': {
      const number = Number(trimmed);
      return trimmed !== '' && Number.isFinite(number) ? number : text;
    }
    case 'boolean':
      if (/^(true|1|yes|on)$/i.test(trimmed)) return true;
      if (/^(false|0|no|off)$/i.test(trimmed)) return false;
      return text;
    case 'array': {
      if (trimmed.startsWith('[')) return parseJson(trimmed) ?? text;
      const element = inner ? elementOf(inner) : undefined;
      return trimmed
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== '')
        .map((item) => coerce(element, item));
    }
    case 'object':
    case 'record':
      return trimmed.startsWith('{') ? (parseJson(trimmed) ?? text) : text;
    case 'unknown':
    case 'any':
    case 'union':
      return parseJson(trimmed) ?? text;
    default:
      return text;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Looks through optional/default/nullable/pipe wrappers to the type a value must have. */
function unwrap(schema: AnySchema): AnySchema {
  let node = schema;
  for (;;) {
    const def = node._zod.def as unknown as { type: string; innerType?: AnySchema; in?: AnySchema };
    if (
      def.innerType &&
      ['optional', 'nullable', 'default', 'prefault', 'readonly', 'nonoptional', 'catch'].includes(def.type)
    ) {
      node = def.innerType;
    } else if (def.type === 'pipe' && def.in) {
      node = def.in;
    } else {
      return node;
    }
  }
}

function schemaAt(schema: AnySchema, path: readonly string[]): AnySchema | undefined {
  let node: AnySchema | undefined = schema;
  for (const key of path) {
    const inner: AnySchema | undefined = node ? unwrap(node) : undefined;
    if (!inner || kindOf(inner) !== 'object') return undefined;
    node = (inner._zod.def as unknown as { shape: Record<string, AnySchema> }).shape[key];
  }
  return node;
}

function kindOf(schema: AnySchema): string {
  return (schema._zod.def as unknown as { type: string }).type;
}

function elementOf(schema: AnySchema): AnySchema | undefined {
  return (unwrap(schema)._zod.def as unknown as { element?: AnySchema }).element;
}

function same(key: string, segment: string): boolean {
  return key.replaceAll('_', '').toLowerCase() === segment.replaceAll('_', '').toLowerCase();
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
