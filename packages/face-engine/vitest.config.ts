import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Each engine test file starts its own worker pool; run files one after another on 2 cores.
    fileParallelism: false,
    globalSetup: ['test/global-setup.ts'],
  },
});
