import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Process tests start real workers; each test bounds its own waits well below this.
    testTimeout: 30_000,
    hookTimeout: 20_000,
    // Two cores shared with other work: one file at a time.
    fileParallelism: false,
  },
});
