import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { applyOverrides, collectEnvOverrides, type Override, type Shorthand } from './env-overrides.ts';

/**
 * Loads a node's config: the YAML file (optional), then environment overrides, validated by the
 * app's zod schema with every problem listed. Generic on purpose: the replica and handler apps pass
 * their own schema, prefix and shorthands.
 */

export interface LoadConfigOptions<S extends z.ZodType> {
  schema: S;
  /** Path of the YAML file, relative to `cwd`; without one the defaults and the environment make the config. */
  file?: string | undefined;
  env: Readonly<Record<string, string | undefined>>;
  /** Prefix of override variables, e.g. `SCHEDULEZERO_`. */
  prefix: string;
  shorthands?: Readonly<Record<string, Shorthand>>;
  cwd: string;
  /**
   * Makes the relative file paths in the config absolute. `baseFor(path)` is the directory a
   * setting is relative to: the cwd when the value came from the environment, else the config
   * file's directory (the cwd when there is no file).
   */
  resolvePaths?: (config: z.output<S>, baseFor: (path: readonly string[]) => string) => z.output<S>;
}

export type LoadConfigResult<T> =
  | { ok: true; config: T; file: string | undefined }
  | { ok: false; problems: string[]; file: string | undefined };

export function loadConfig<S extends z.ZodType>(
  options: LoadConfigOptions<S>,
): LoadConfigResult<z.output<S>> {
  const file = options.file === undefined ? undefined : resolve(options.cwd, options.file);
  const fromFile = file === undefined ? { value: {}, problems: [] } : readYaml(file);
  const env = collectEnvOverrides(
    options.schema,
    options.env,
    options.prefix,
    options.shorthands,
    fromFile.value,
  );
  const problems = [...fromFile.problems, ...env.problems];
  if (fromFile.problems.length > 0) return { ok: false, problems, file };

  const merged = applyOverrides(fromFile.value, env.overrides);
  const parsed = options.schema.safeParse(merged);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(formatIssue(issue, env.overrides));
  }
  if (!parsed.success || problems.length > 0) return { ok: false, problems, file };

  const fileDir = file === undefined ? options.cwd : dirname(file);
  const baseFor = (path: readonly string[]): string =>
    sourceOf(path, env.overrides) ? options.cwd : fileDir;
  const config = options.resolvePaths ? options.resolvePaths(parsed.data, baseFor) : parsed.data;
  return { ok: true, config, file };
}

function readYaml(file: string): { value: unknown; problems: string[] } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : String(error);
    return { value: {}, problems: [`${file}: ${reason}`] };
  }
  const document = parseDocument(text, { prettyErrors: true });
  if (document.errors.length > 0) {
    return {
      value: {},
      problems: document.errors.map((error) => `${file}: ${error.message.split('\n')[0]}`),
    };
  }
  const value: unknown = document.toJS() ?? {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    return {
      value: {},
      problems: [`${file}: the top level must be a mapping of sections (node, network, ...)`],
    };
  }
  return { value, problems: [] };
}

function formatIssue(issue: z.core.$ZodIssue, overrides: readonly Override[]): string {
  const path = issue.path.map(String);
  let message = issue.message;
  if (issue.code === 'unrecognized_keys') message = `unknown setting(s): ${issue.keys.join(', ')}`;
  const where = path.length > 0 ? path.join('.') : '(top level)';
  const source = sourceOf(path, overrides);
  return `${where}: ${message}${source ? ` (from ${source})` : ''}`;
}

/** The variable that set `path` or one of its parents, if any. */
function sourceOf(path: readonly string[], overrides: readonly Override[]): string | undefined {
  let found: string | undefined;
  for (const override of overrides) {
    const covers =
      override.path.every((key, index) => path[index] === key) && override.path.length <= path.length;
    if (covers) found = override.source;
  }
  return found;
}
