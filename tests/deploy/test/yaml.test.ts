import { describe, expect, it } from 'vitest';
import { deployFiles, deployPath, readYamlDocuments } from '../src/deploy-files.ts';

describe('deploy/: every YAML file', () => {
  const files = deployFiles(['.yaml', '.yml']);

  it('there are YAML files to check', () => {
    expect(files.length).toBeGreaterThanOrEqual(15);
  });

  it.each(files)('%s parses without errors or warnings', (file) => {
    const documents = readYamlDocuments(deployPath(file));
    expect(documents.length).toBeGreaterThan(0);
    for (const document of documents) expect(typeof document).toBe('object');
  });
});
