import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

/** The repository's deploy/ directory. */
export const DEPLOY_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../deploy');

export function deployPath(...parts: string[]): string {
  return join(DEPLOY_DIR, ...parts);
}

/** Every file under deploy/ whose name ends with one of `extensions`, relative to deploy/, sorted. */
export function deployFiles(extensions: readonly string[]): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      // make-keys.sh output and runtime data are not part of the repository.
      if (entry.name === 'keys' || entry.name === 'data' || entry.name === 'node_modules') continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (extensions.some((extension) => entry.name.endsWith(extension))) found.push(path);
    }
  };
  walk(DEPLOY_DIR);
  return found.map((path) => relative(DEPLOY_DIR, path)).sort();
}

export type Manifest = Record<string, unknown> & {
  apiVersion?: unknown;
  kind?: unknown;
  metadata?: { name?: unknown; namespace?: unknown; labels?: Record<string, string> };
};

/** The documents of a YAML file, throwing on any parse error or warning. */
export function readYamlDocuments(path: string): unknown[] {
  const documents = parseAllDocuments(readFileSync(path, 'utf8'));
  if (!Array.isArray(documents)) throw new Error(`${path}: not a YAML stream`);
  const values: unknown[] = [];
  for (const document of documents) {
    const problems = [...document.errors, ...document.warnings].map((problem) => problem.message);
    if (problems.length > 0) throw new Error(`${path}: ${problems.join('; ')}`);
    const value = document.toJS({ maxAliasCount: 100 });
    if (value !== null && value !== undefined) values.push(value);
  }
  return values;
}

export function manifests(relativePath: string): Manifest[] {
  return readYamlDocuments(deployPath(relativePath)) as Manifest[];
}
