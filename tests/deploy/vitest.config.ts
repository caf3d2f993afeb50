import { defineConfig } from 'vitest/config';

// Static checks plus a few `systemd-analyze` runs: bounded, no network.
export default defineConfig({
  test: { testTimeout: 30_000, hookTimeout: 10_000 },
});
