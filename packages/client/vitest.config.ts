import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'client',
    root: import.meta.dirname,
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/prism-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 90_000,
    // Tests run in a random order, so one that relies on another's leftovers fails. Vitest prints
    // the seed ("Running tests with seed"); `--sequence.seed=<n>` replays that order.
    sequence: { shuffle: { files: false, tests: true } },
  },
});
