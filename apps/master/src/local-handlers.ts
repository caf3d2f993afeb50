import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import { taskNameSchema } from '@schedulezero/protocol';
import type { HandlerFunction } from '@schedulezero/scheduler-core';

/**
 * Local handlers: every exported function of the configured modules becomes a handler named after
 * its export (`export async function send_report(args, ctx)` runs task `send_report`). A default
 * export that is an object contributes its function properties the same way. This lets one master
 * run jobs with no worker.
 */

export interface LoadedHandlers {
  handlers: Record<string, HandlerFunction>;
  /** Which module each handler came from, for the start-up log. */
  sources: Record<string, string>;
  problems: string[];
}

export async function loadLocalHandlers(modules: readonly string[]): Promise<LoadedHandlers> {
  const handlers: Record<string, HandlerFunction> = {};
  const sources: Record<string, string> = {};
  const problems: string[] = [];

  for (const specifier of modules) {
    let namespace: Record<string, unknown>;
    try {
      // Absolute paths (relative ones were made absolute by the config) load as file URLs; bare
      // names are packages.
      namespace = (await import(isAbsolute(specifier) ? pathToFileURL(specifier).href : specifier)) as Record<
        string,
        unknown
      >;
    } catch (error) {
      problems.push(
        `handlers.modules: cannot load ${specifier}: ${error instanceof Error ? error.message : String(error)}`,
      );
      continue;
    }
    const found = functionsOf(namespace);
    if (found.length === 0) problems.push(`handlers.modules: ${specifier} exports no functions`);
    for (const [name, fn] of found) {
      if (!taskNameSchema.safeParse(name).success) {
        problems.push(`handlers.modules: ${specifier}: "${name}" is not a valid task name`);
      } else if (handlers[name]) {
        problems.push(`handlers.modules: "${name}" is exported by both ${sources[name]} and ${specifier}`);
      } else {
        handlers[name] = fn;
        sources[name] = specifier;
      }
    }
  }
  return { handlers, sources, problems };
}

function functionsOf(namespace: Record<string, unknown>): Array<[string, HandlerFunction]> {
  const entries: Array<[string, HandlerFunction]> = [];
  for (const [name, value] of Object.entries(namespace)) {
    if (name === 'default') continue;
    if (typeof value === 'function') entries.push([name, value as HandlerFunction]);
  }
  const fallback = namespace.default;
  if (fallback && typeof fallback === 'object') {
    for (const [name, value] of Object.entries(fallback)) {
      if (typeof value === 'function' && !entries.some(([existing]) => existing === name)) {
        entries.push([name, value as HandlerFunction]);
      }
    }
  }
  return entries;
}
