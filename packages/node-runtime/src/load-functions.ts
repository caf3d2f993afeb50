import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import { taskNameSchema } from '@schedulezero/protocol';

/**
 * Handler modules: every exported function of the listed modules becomes a handler named after its
 * export (`export async function send_report(args, ctx)` runs task `send_report`); a default export
 * that is an object contributes its function properties the same way. One rule for the master's
 * local handlers and a worker's methods, so a module can move between the two.
 */

export interface LoadedFunctions<F> {
  functions: Record<string, F>;
  /** Which module each function came from, for the start-up log. */
  sources: Record<string, string>;
  problems: string[];
}

/**
 * @param modules absolute paths (the config made relative ones absolute) or package names
 * @param setting the config key the modules came from, named in every problem
 */
export async function loadFunctions<F extends (...args: never[]) => unknown>(
  modules: readonly string[],
  setting: string,
): Promise<LoadedFunctions<F>> {
  const functions: Record<string, F> = {};
  const sources: Record<string, string> = {};
  const problems: string[] = [];

  for (const specifier of modules) {
    let namespace: Record<string, unknown>;
    try {
      const url = isAbsolute(specifier) ? pathToFileURL(specifier).href : specifier;
      namespace = (await import(url)) as Record<string, unknown>;
    } catch (error) {
      problems.push(
        `${setting}: cannot load ${specifier}: ${error instanceof Error ? error.message : String(error)}`,
      );
      continue;
    }
    const found = functionsOf<F>(namespace);
    if (found.length === 0) problems.push(`${setting}: ${specifier} exports no functions`);
    for (const [name, fn] of found) {
      if (!taskNameSchema.safeParse(name).success) {
        problems.push(`${setting}: ${specifier}: "${name}" is not a valid task name`);
      } else if (Object.hasOwn(functions, name)) {
        problems.push(`${setting}: "${name}" is exported by both ${sources[name]} and ${specifier}`);
      } else {
        functions[name] = fn;
        sources[name] = specifier;
      }
    }
  }
  return { functions, sources, problems };
}

function functionsOf<F>(namespace: Record<string, unknown>): Array<[string, F]> {
  const entries: Array<[string, F]> = [];
  for (const [name, value] of Object.entries(namespace)) {
    if (name !== 'default' && typeof value === 'function') entries.push([name, value as F]);
  }
  const fallback = namespace.default;
  if (fallback && typeof fallback === 'object') {
    for (const [name, value] of Object.entries(fallback)) {
      if (typeof value === 'function' && !entries.some(([existing]) => existing === name)) {
        entries.push([name, value as F]);
      }
    }
  }
  return entries;
}
