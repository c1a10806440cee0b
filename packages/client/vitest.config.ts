import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'client',
    root: import.meta.dirname,
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/prism-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 90_000,
  },
});
