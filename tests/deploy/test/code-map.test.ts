import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEPLOY_DIR } from '../src/deploy-files.ts';

/**
 * docs/architecture.md's code map is the rule of who may import whom: each package's source imports
 * and runtime dependencies keep to its row, sources hold no test code, and a long file says why.
 */

const REPO = join(DEPLOY_DIR, '..');
const SCOPE = '@schedulezero/';
const LONG_FILE_LINES = 300;

/** The "may import" column of the code map, per package. */
function allowedImports(): Map<string, string[]> {
  const text = readFileSync(join(REPO, 'docs/architecture.md'), 'utf8');
  const section = text.slice(text.indexOf('## Code map'));
  const rows = new Map<string, string[]>();
  for (const [, name, allowed] of section.matchAll(/^\| `([a-z-]+)` \|[^|]*\| ([^|]*) \|$/gm)) {
    rows.set(
      name as string,
      [...(allowed as string).matchAll(/`([a-z-]+)`/g)].map((match) => match[1] as string),
    );
  }
  return rows;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => join(entry.parentPath, entry.name));
}

const packages = readdirSync(join(REPO, 'packages')).sort();
const apps = readdirSync(join(REPO, 'apps')).sort();
const map = allowedImports();

describe('the code map in docs/architecture.md', () => {
  it('has a row for every package and none for a package that does not exist', () => {
    expect([...map.keys()].sort()).toEqual(packages);
  });

  it.each(packages)('packages/%s imports only what its row allows, in source and package.json', (name) => {
    const allowed = map.get(name) ?? [];
    const manifest = JSON.parse(readFileSync(join(REPO, 'packages', name, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
    };
    const declared = Object.keys(manifest.dependencies ?? {})
      .filter((dependency) => dependency.startsWith(SCOPE))
      .map((dependency) => dependency.slice(SCOPE.length));
    expect(declared.filter((dependency) => !allowed.includes(dependency))).toEqual([]);
    const imported = new Set<string>();
    for (const file of sourceFiles(join(REPO, 'packages', name, 'src'))) {
      for (const [, target] of readFileSync(file, 'utf8').matchAll(/from '@schedulezero\/([a-z-]+)/g)) {
        imported.add(target as string);
      }
    }
    expect([...imported].filter((target) => target !== name && !allowed.includes(target))).toEqual([]);
  });

  it.each(packages)('packages/%s/src holds no test code', (name) => {
    const offenders = sourceFiles(join(REPO, 'packages', name, 'src')).filter(
      (file) => file.endsWith('.test.ts') || /from 'vitest'/.test(readFileSync(file, 'utf8')),
    );
    expect(offenders).toEqual([]);
  });

  it('every source file past 300 lines gives its reason on its first line', () => {
    const roots = [
      ...packages.map((name) => join(REPO, 'packages', name, 'src')),
      ...apps.map((name) => join(REPO, 'apps', name, 'src')),
    ];
    const unexplained = roots
      .flatMap(sourceFiles)
      .filter((file) => {
        const text = readFileSync(file, 'utf8');
        const lines = text.split('\n');
        const count = text.endsWith('\n') ? lines.length - 1 : lines.length;
        return count > LONG_FILE_LINES && !lines[0]?.startsWith('// ');
      })
      .map((file) => file.slice(REPO.length + 1));
    expect(unexplained).toEqual([]);
  });
});
