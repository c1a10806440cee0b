import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Each engine test file starts its own worker pool; run files one after another on 2 cores.
    fileParallelism: false,
    globalSetup: ['test/global-setup.ts'],
    // Tests run in a random order, so one that relies on another's leftovers fails. Vitest prints
    // the seed ("Running tests with seed"); `--sequence.seed=<n>` replays that order.
    sequence: { shuffle: { files: false, tests: true } },
  },
});
