/**
 * An instance whose PostgreSQL stops answering says so on /readyz (503, so a load balancer takes it
 * out of rotation) instead of hanging, and comes back by itself when the database does.
 * PostgreSQL run only: the database is closed to new connections and its sessions are terminated.
 */
import pg from 'pg';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { type Harness, startServer } from './helpers.js';

let h: Harness;
let admin: pg.Client;
let name = '';

beforeAll(async () => {
  h = await startServer();
  name = new URL(h.server.ctx.config.FACEPROOF_DATABASE_URL as string).pathname.slice(1);
  admin = new pg.Client({ connectionString: inject('postgresUrl') });
  await admin.connect();
});
afterAll(async () => {
  await admin?.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`).catch(() => {});
  await admin?.end();
  await h?.close();
});

async function until(status: number) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const res = await h.call('GET', '/readyz');
    if (res.status === status) return res;
    if (Date.now() > deadline) throw new Error(`readyz stayed ${res.status}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

it('answers 503 on /readyz while the database is unreachable, and 200 again after', async () => {
  expect((await h.call('GET', '/readyz')).status).toBe(200);
  await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
  await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [name]);
  const down = await until(503);
  expect(down.body).toMatchObject({ code: 'NOT_READY', message: 'The database does not answer.' });
  await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`);
  const up = await until(200);
  expect(up.body.checks.database).toBe('ok');
});
