#!/usr/bin/env node
// Runs the master from its TypeScript source through tsx's loader (a dependency of this app), so
// there is no build step between a checkout and a running node.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
