#!/usr/bin/env node
// `pnpm start`: runs the development topology from its TypeScript source through tsx.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
