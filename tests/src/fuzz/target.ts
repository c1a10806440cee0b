import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, type RunningHttpProcess, startHttpProcess } from '@faceproof/process-testing';
import type { Demo } from '@faceproof/server';
import pg from 'pg';

const run = promisify(execFile);
const require = createRequire(import.meta.url);
const serverDir = dirname(require.resolve('@faceproof/server/package.json'));

export type StoreKind = 'sqlite' | 'postgres';

/** Where one campaign keeps its data: a data directory, and on PostgreSQL a database of its own. */
export interface Storage {
  kind: StoreKind;
  dataDir: string;
  databaseUrl?: string;
  release(): Promise<void>;
}

/** A throw-away PostgreSQL cluster on loopback, started by the server's own `scripts/postgres.sh`. */
async function startCluster(): Promise<{ url: string; stop(): Promise<void> }> {
  const script = join(serverDir, 'scripts/postgres.sh');
  const dir = mkdtempSync(join(tmpdir(), 'faceproof-fuzz-pg-'));
  rmSync(dir, { recursive: true });
  const { stdout } = await run('bash', [script, 'start', dir, String(await freePort())]);
  return { url: stdout.trim(), stop: async () => void (await run('bash', [script, 'stop', dir])) };
}

async function createDatabase(adminUrl: string, name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function prepareStorage(kind: StoreKind): Promise<Storage> {
  const dataDir = mkdtempSync(join(tmpdir(), `faceproof-fuzz-${kind}-`));
  const removeDir = async () => rmSync(dataDir, { recursive: true, force: true });
  if (kind === 'sqlite') return { kind, dataDir, release: removeDir };
  const cluster = await startCluster();
  const databaseUrl = await createDatabase(cluster.url, 'faceproof_fuzz');
  return {
    kind,
    dataDir,
    databaseUrl,
    async release() {
      await cluster.stop();
      await removeDir();
    },
  };
}

function storageEnv(storage: Storage): Record<string, string> {
  return {
    FACEPROOF_DATA_DIR: storage.dataDir,
    ...(storage.databaseUrl ? { FACEPROOF_DATABASE_URL: storage.databaseUrl } : {}),
  };
}

/**
 * The real server as its own process on `storage`, with the default outbound policy (loopback and
 * private networks refused) and rate limits out of the way, so answers come from the operations.
 */
export async function startServerOn(storage: Storage): Promise<RunningHttpProcess> {
  const port = await freePort();
  return startHttpProcess({
    name: `server (${storage.kind})`,
    command: process.execPath,
    args: [join(serverDir, 'dist/server.js')],
    port,
    readyPath: '/readyz',
    env: {
      ...storageEnv(storage),
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'warn',
      ENGINE_WORKERS: '1',
      RATE_LIMIT_MAX: '100000000',
      RATE_LIMIT_IP_MAX: '100000000',
      WEBHOOK_MAX_ATTEMPTS: '2',
      WEBHOOK_BASE_DELAY_MS: '200',
    },
  });
}

/** The operator CLI's demo client, project, flows and collection on `storage`. */
export async function demoOn(storage: Storage): Promise<Demo> {
  const { stdout } = await run(process.execPath, [join(serverDir, 'bin/faceproof.js'), 'demo', '--json'], {
    env: { ...process.env, ...storageEnv(storage), LOG_LEVEL: 'silent' },
  });
  return JSON.parse(stdout);
}

/** A loopback listener every fuzzed webhook URL points at: any request reaching it is a policy failure. */
export async function startCanary(): Promise<{ port: number; hits: () => number; close(): Promise<void> }> {
  let hits = 0;
  const server: Server = createServer((req, res) => {
    hits++;
    req.resume();
    res.end('canary');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return { port, hits: () => hits, close: () => new Promise((r) => server.close(() => r())) };
}
