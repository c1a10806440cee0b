import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'openapi',
    include: ['test/**/*.test.ts'],
    // Tests run in a random order, so one that relies on another's leftovers fails. Vitest prints
    // the seed ("Running tests with seed"); `--sequence.seed=<n>` replays that order.
    sequence: { shuffle: { files: false, tests: true } },
  },
});
