import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'contract',
    include: ['test/**/*.test.ts'],
    globalSetup: ['src/global-setup.ts'],
    testTimeout: 60_000,
    // One server with one engine worker serves every file: files run one after another so that a
    // scenario's 503 is provoked on purpose, never by another file's traffic.
    fileParallelism: false,
    hookTimeout: 120_000,
    // Tests run in a random order, so one that needs another's leftovers fails in CI. Vitest prints
    // the seed ("Running tests with seed"); `--sequence.seed=<n>` replays that order.
    sequence: { shuffle: { files: false, tests: true } },
  },
});
