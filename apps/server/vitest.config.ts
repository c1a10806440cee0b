import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'server',
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Each test file starts a server with its own face-engine worker pool; on 2 cores run them in turn.
    fileParallelism: false,
    globalSetup: ['test/global-setup.ts'],
  },
});
