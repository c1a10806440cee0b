import { defineConfig } from 'vitest/config';

// `npm test` runs every package's own vitest config as one run, so there is one summary line.
export default defineConfig({
  test: {
    projects: [
      'openapi/vitest.config.ts',
      'packages/*/vitest.config.ts',
      'apps/*/vitest.config.ts',
      'tests/vitest.config.ts',
    ],
  },
});
