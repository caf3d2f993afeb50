#!/usr/bin/env node
// `pnpm replica --config FILE` from the repository: pnpm runs scripts in the workspace root, so go
// back to the directory the command was typed in (INIT_CWD) before relative paths are read.
if (process.env.INIT_CWD) process.chdir(process.env.INIT_CWD);
await import('./schedulezero-replica.js');
