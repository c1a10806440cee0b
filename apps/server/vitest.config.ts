import { configDefaults, defineConfig } from 'vitest/config';

// The whole suite runs twice: on SQLite, then on PostgreSQL (a cluster the postgres run starts
// itself). Tests named *.pg.test.ts need several instances on one database, so PostgreSQL only.
export default defineConfig({
  test: {
    name: 'server',
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Each test file starts a server with its own face-engine worker pool; on 2 cores run them in turn.
    fileParallelism: false,
    projects: [
      {
        extends: true,
        test: {
          name: 'sqlite',
          exclude: [...configDefaults.exclude, 'test/**/*.pg.test.ts'],
          globalSetup: ['test/global-setup.ts'],
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'postgres',
          env: { FACEPROOF_TEST_STORE: 'postgres' },
          globalSetup: ['test/global-setup.ts', 'test/postgres-setup.ts'],
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
