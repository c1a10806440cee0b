import { configDefaults, defineConfig } from 'vitest/config';

// Unit tests (test/flows: the decisions; test/unit: the contract layer, the outbox poller, the
// resource rules) need no engine and no database: they run once. The rest of the suite runs twice:
// on SQLite, then on PostgreSQL (a cluster the postgres run starts itself). Tests named
// *.pg.test.ts need several instances on one database, so PostgreSQL only.
const UNIT = ['test/flows/**', 'test/unit/**'];
const SUITE = ['test/**/*.test.ts'];

export default defineConfig({
  test: {
    name: 'server',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Each test file starts a server with its own face-engine worker pool; on 2 cores run them in turn.
    fileParallelism: false,
    // Tests run in a random order, so one that relies on another's leftovers fails. Vitest prints
    // the seed ("Running tests with seed"); `--sequence.seed=<n>` replays that order.
    sequence: { shuffle: { files: false, tests: true } },
    projects: [
      {
        extends: true,
        test: { name: 'server-unit', include: UNIT.map((dir) => `${dir}/*.test.ts`), testTimeout: 5_000 },
      },
      {
        extends: true,
        test: {
          name: 'sqlite',
          include: SUITE,
          exclude: [...configDefaults.exclude, ...UNIT, 'test/**/*.pg.test.ts'],
          globalSetup: ['test/global-setup.ts'],
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'postgres',
          include: SUITE,
          exclude: [...configDefaults.exclude, ...UNIT],
          env: { FACEPROOF_TEST_STORE: 'postgres' },
          globalSetup: ['test/global-setup.ts', 'test/postgres-setup.ts'],
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
