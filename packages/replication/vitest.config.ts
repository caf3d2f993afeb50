import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Real sockets and databases; each test bounds its own waits well below this.
    testTimeout: 30_000,
    hookTimeout: 20_000,
  },
});
