/**
 * A throw-away PostgreSQL for the tests and the bench: `scripts/postgres.sh` initialises a cluster in
 * a temporary directory and starts it on a free loopback port; each test file gets a database of
 * its own on it.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);
const SCRIPT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../scripts/postgres.sh');

export async function freePort() {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const p = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return p;
}

export interface LocalPostgres {
  /** Superuser URL of the cluster's `postgres` database. */
  url: string;
  stop(): Promise<void>;
}

export async function startPostgres(): Promise<LocalPostgres> {
  const dir = mkdtempSync(path.join(tmpdir(), 'faceproof-pg-'));
  const { stdout } = await run('bash', [SCRIPT, 'start', dir, String(await freePort())]);
  return {
    url: stdout.trim(),
    async stop() {
      await run('bash', [SCRIPT, 'stop', dir]);
    },
  };
}

async function admin<T>(url: string, fn: (c: pg.Client) => Promise<T>) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** Creates an empty database on the cluster and returns its URL. */
export async function createDatabase(adminUrl: string, name: string) {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bad database name ${name}`);
  await admin(adminUrl, (c) => c.query(`CREATE DATABASE ${name}`));
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

export async function dropDatabase(adminUrl: string, name: string) {
  await admin(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
}
