import { defineConfig } from 'vitest/config';

// Whole topologies of processes: one file at a time, so that two files never fight for the two cores.
export default defineConfig({
  test: { fileParallelism: false, testTimeout: 60_000, hookTimeout: 30_000 },
});
