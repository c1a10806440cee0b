import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'docs',
    root: import.meta.dirname,
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // One browser at a time: the suite shares one chromium and two servers.
    fileParallelism: false,
    // Tests run in a random order, so one that relies on another's leftovers fails. Vitest prints
    // the seed ("Running tests with seed"); `--sequence.seed=<n>` replays that order.
    sequence: { shuffle: { files: false, tests: true } },
  },
});
