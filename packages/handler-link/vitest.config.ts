import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Every test is bounded; socket tests wait with `eventually`, never with fixed sleeps.
    testTimeout: 15_000,
    hookTimeout: 20_000,
    // Two cores shared with other work: socket suites run one file at a time.
    fileParallelism: false,
  },
});
