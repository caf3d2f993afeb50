import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { RemoteHandlerFunction } from '@schedulezero/handler-link';
import { taskNameSchema } from '@schedulezero/protocol';

/**
 * Every exported function of the configured modules becomes a method of this worker, named after
 * its export (`export async function resize(args, ctx)` runs task `resize`); a default export that
 * is an object contributes its function properties the same way. The same rule as the master's
 * local handlers, so a module can move between the two.
 */

export interface LoadedFunctions {
  functions: Record<string, RemoteHandlerFunction>;
  /** Which module each function came from, for the start-up log. */
  sources: Record<string, string>;
  problems: string[];
}

export async function loadFunctions(modules: readonly string[]): Promise<LoadedFunctions> {
  const functions: Record<string, RemoteHandlerFunction> = {};
  const sources: Record<string, string> = {};
  const problems: string[] = [];

  for (const specifier of modules) {
    let namespace: Record<string, unknown>;
    try {
      // Relative paths were made absolute by the config; they load as file URLs, bare names as packages.
      const url = isAbsolute(specifier) ? pathToFileURL(specifier).href : specifier;
      namespace = (await import(url)) as Record<string, unknown>;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      problems.push(`worker.modules: cannot load ${specifier}: ${reason}`);
      continue;
    }
    const found = functionsOf(namespace);
    if (found.length === 0) problems.push(`worker.modules: ${specifier} exports no functions`);
    for (const [name, fn] of found) {
      if (!taskNameSchema.safeParse(name).success) {
        problems.push(`worker.modules: ${specifier}: "${name}" is not a valid task name`);
      } else if (Object.hasOwn(functions, name)) {
        problems.push(`worker.modules: "${name}" is exported by both ${sources[name]} and ${specifier}`);
      } else {
        functions[name] = fn;
        sources[name] = specifier;
      }
    }
  }
  return { functions, sources, problems };
}

function functionsOf(namespace: Record<string, unknown>): Array<[string, RemoteHandlerFunction]> {
  const entries: Array<[string, RemoteHandlerFunction]> = [];
  for (const [name, value] of Object.entries(namespace)) {
    if (name !== 'default' && typeof value === 'function')
      entries.push([name, value as RemoteHandlerFunction]);
  }
  const fallback = namespace.default;
  if (fallback && typeof fallback === 'object') {
    for (const [name, value] of Object.entries(fallback)) {
      if (typeof value === 'function' && !entries.some(([existing]) => existing === name)) {
        entries.push([name, value as RemoteHandlerFunction]);
      }
    }
  }
  return entries;
}
