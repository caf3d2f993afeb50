#!/usr/bin/env node
// Runs the replica from its TypeScript source through tsx's loaders (tsx is a dependency of this
// app), so there is no build step between a checkout and a running node. Both hooks, as the tsx
// CLI does: handler modules outside an ESM package (`.ts` next to no package.json) load as CommonJS.
import { register as registerCommonJs } from 'tsx/cjs/api';
import { register } from 'tsx/esm/api';

registerCommonJs();
register();
await import('../src/main.ts');
