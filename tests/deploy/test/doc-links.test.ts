import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEPLOY_DIR } from '../src/deploy-files.ts';

/** The operator docs point at files of the repository (deploy/, examples/, sources): none may be missing. */

const REPO = join(DEPLOY_DIR, '..');
const pages = ['README.md', ...readdirSync(join(REPO, 'docs')).map((name) => `docs/${name}`)].filter((page) =>
  page.endsWith('.md'),
);

describe('links between the docs and the repository', () => {
  it.each(pages)('%s: every relative link names a file that exists', (page) => {
    const text = readFileSync(join(REPO, page), 'utf8');
    const targets = [...text.matchAll(/\]\(([^)\s]+)\)/g)]
      .map((match) => (match[1] ?? '').split('#')[0] ?? '')
      .filter((target) => target !== '' && !/^[a-z]+:/.test(target));
    const missing = targets.filter((target) => !existsSync(join(dirname(join(REPO, page)), target)));
    expect(missing).toEqual([]);
  });
});
