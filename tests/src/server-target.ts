import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { promisify } from 'node:util';
import { freePort, type RunningHttpProcess, startHttpProcess } from '@faceproof/process-testing';
import type { Demo } from '@faceproof/server';
import { importJWK, SignJWT } from 'jose';

const require = createRequire(import.meta.url);
const serverDir = dirname(require.resolve('@faceproof/server/package.json'));

/** What `faceproof demo --json` prints. */
export type { Demo } from '@faceproof/server';

export interface ServerTarget {
  url: string;
  dataDir: string;
  process: RunningHttpProcess;
  stop(): Promise<void>;
}

/**
 * Starts the real server as its own process, on a fresh database in a temporary directory, and
 * waits until `readyPath` answers (by default until the face engine is warm).
 */
export async function startServer(
  env: Record<string, string> = {},
  readyPath = '/readyz',
  watch: Pick<Parameters<typeof startHttpProcess>[0], 'pollMs' | 'onPoll'> = {},
): Promise<ServerTarget> {
  const dataDir = mkdtempSync(join(tmpdir(), 'faceproof-contract-'));
  const port = await freePort();
  const proc = await startHttpProcess({
    name: 'server',
    command: process.execPath,
    args: [join(serverDir, 'dist/server.js')],
    port,
    readyPath,
    ...watch,
    env: {
      HOST: '127.0.0.1',
      PORT: String(port),
      FACEPROOF_DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      ENGINE_WORKERS: '1',
      // The receivers of these tests listen on loopback, which the default outbound policy refuses.
      WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
      ...env,
    },
  });
  return {
    url: proc.url,
    dataDir,
    process: proc,
    async stop() {
      await proc.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The operator CLI's demo (a client, project, flows, collection and app registration) as JSON. */
export async function demo(dataDir: string): Promise<Demo> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [join(serverDir, 'bin/faceproof.js'), 'demo', '--json'],
    {
      env: { ...process.env, FACEPROOF_DATA_DIR: dataDir, LOG_LEVEL: 'silent' },
    },
  );
  return JSON.parse(stdout);
}

type Kind = 'client' | 'liveness-session' | 'app-registration';

/**
 * Signs a token with the server's own current key, read from its database: what an operator with
 * database access could do. Used only to name records that do not exist or to set expiries in the
 * past, which no API call can produce.
 */
export async function signWithServerKey(
  dataDir: string,
  kind: Kind,
  claims: Record<string, unknown> & { sub: string },
  expiresAt: Date,
) {
  const db = new DatabaseSync(join(dataDir, 'faceproof.db'), { readOnly: true });
  const row = db
    .prepare(
      'SELECT kid, private_jwk FROM signing_keys WHERE retired_at IS NULL ORDER BY created_at DESC LIMIT 1',
    )
    .get() as { kid: string; private_jwk: string };
  db.close();
  const key = await importJWK(JSON.parse(row.private_jwk), 'ES256');
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', kid: row.kid, typ: 'JWT' })
    .setIssuer('faceproof')
    .setAudience(`faceproof:${kind}`)
    .setIssuedAt(Math.floor(expiresAt.getTime() / 1000) - 60)
    .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
    .setJti(crypto.randomUUID())
    .sign(key);
}

/** The columns an operator may set by hand here, per table, and each table's key column. */
interface Settable {
  app_registrations: 'status';
  biometric_validations: 'expires_at';
  two_factor_codes: 'expires_at';
  liveness_challenges: 'expires_at';
}
const keyColumn: Record<keyof Settable, string> = {
  app_registrations: 'id',
  biometric_validations: 'id',
  two_factor_codes: 'validation_id',
  liveness_challenges: 'id',
};

/**
 * Sets a column of one record the way an operator would with SQL: for states no API call produces
 * (a closed registration) or that would otherwise take waiting (an expiry in the past).
 */
export function updateRecord<T extends keyof Settable>(
  dataDir: string,
  table: T,
  id: string,
  column: Settable[T],
  value: string,
) {
  const db = new DatabaseSync(join(dataDir, 'faceproof.db'));
  db.exec('PRAGMA busy_timeout = 5000');
  const changed = db
    .prepare(`UPDATE ${table} SET ${column} = ? WHERE ${keyColumn[table]} = ?`)
    .run(value, id);
  db.close();
  if (changed.changes !== 1) throw new Error(`no ${table} record ${id} to update`);
}
