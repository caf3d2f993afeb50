import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Every test is bounded; process tests set their own, longer, limits.
    testTimeout: 15_000,
    hookTimeout: 20_000,
    // Two cores shared with other work: route suites and process tests run one file at a time.
    fileParallelism: false,
  },
});
