/**
 * Load test of running servers (spawned here on free loopback ports): create-validation throughput,
 * and validate throughput with a real one-face JPEG, for each setup: one instance on SQLite, one on
 * PostgreSQL, and two instances on one PostgreSQL (the load split evenly over both, as a round-robin
 * load balancer would). Prints one table and writes bench-results/server.json.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureFixtures } from '@faceproof/face-engine/fixtures';
import autocannon from 'autocannon';
import { createDatabase, freePort, type LocalPostgres, startPostgres } from './postgres.js';

const PKG = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DURATION = Number(process.env.BENCH_DURATION_S ?? 10);
const CORES = availableParallelism();

interface Setup {
  label: string;
  store: 'sqlite' | 'postgres';
  instances: number;
}

const SETUPS: Setup[] = [
  { label: 'SQLite, 1 instance', store: 'sqlite', instances: 1 },
  { label: 'PostgreSQL, 1 instance', store: 'postgres', instances: 1 },
  { label: 'PostgreSQL, 2 instances', store: 'postgres', instances: 2 },
];

interface Row {
  name: string;
  setup: string;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  total: number;
  target: string;
}

async function waitReady(base: string) {
  for (let i = 0; i < 900; i++) {
    try {
      if ((await fetch(`${base}/readyz`)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${base} did not become ready`);
}

/**
 * Runs one autocannon per instance at once (each with its share of the connections) and sums them:
 * requests per second add up; the latency percentiles are the worst instance's (conservative).
 */
async function spread(bases: string[], opts: (base: string, i: number) => autocannon.Options) {
  const runs = await Promise.all(bases.map((b, i) => autocannon(opts(b, i))));
  return {
    requestsPerSecond: Math.round(runs.reduce((s, r) => s + r.requests.average, 0) * 10) / 10,
    p50Ms: Math.max(...runs.map((r) => r.latency.p50)),
    p99Ms: Math.max(...runs.map((r) => r.latency.p99)),
    errors: runs.reduce((s, r) => s + r.errors + r.non2xx + r.timeouts, 0),
    total: runs.reduce((s, r) => s + r.requests.total, 0),
  };
}

type Fixtures = Awaited<ReturnType<typeof ensureFixtures>>;

interface Demo {
  project: string;
  loginFlow: string;
  onboardingFlow: string;
  clientAccessToken: string;
}

/** The instances of one setup, on one fresh database, each ready; `stop()` ends them and cleans up. */
async function startInstances(setup: Setup, pg: LocalPostgres | undefined) {
  const dir = mkdtempSync(path.join(tmpdir(), 'faceproof-bench-'));
  const dbEnv: Record<string, string> = {};
  if (setup.store === 'postgres') {
    if (!pg) throw new Error('PostgreSQL not started');
    dbEnv.FACEPROOF_DATABASE_URL = await createDatabase(pg.url, `bench_${Date.now().toString(36)}`);
  }
  const ports = await Promise.all(Array.from({ length: setup.instances }, () => freePort()));
  const env = (port: number) => ({
    ...process.env,
    ...dbEnv,
    FACEPROOF_DATA_DIR: dir,
    HOST: '127.0.0.1',
    PORT: String(port),
    LOG_LEVEL: 'warn',
    RATE_LIMIT_MAX: '100000000',
    RATE_LIMIT_IP_MAX: '100000000',
    // The instances share this machine's cores: as many engine workers in total as one instance has.
    ENGINE_WORKERS: String(Math.max(1, Math.floor(CORES / setup.instances))),
  });
  const demo: Demo = JSON.parse(
    execFileSync(process.execPath, ['bin/faceproof.js', 'demo', '--json'], {
      cwd: PKG,
      env: env(0),
      encoding: 'utf8',
    }),
  );
  const procs: ChildProcess[] = ports.map((port) =>
    spawn(process.execPath, ['dist/server.js'], {
      cwd: PKG,
      env: env(port),
      stdio: ['ignore', 'ignore', 'inherit'],
    }),
  );
  const stop = async () => {
    for (const p of procs) p.kill('SIGTERM');
    await Promise.all(
      procs.map((p) => (p.exitCode === null ? new Promise((r) => p.once('exit', r)) : undefined)),
    );
    rmSync(dir, { recursive: true, force: true });
  };
  const bases = ports.map((p) => `http://127.0.0.1:${p}`);
  await Promise.all(bases.map(waitReady)).catch(async (err) => {
    await stop();
    throw err;
  });
  return { bases, demo, stop };
}

const jpeg = (f: string) => `data:image/jpeg;base64,${readFileSync(f).toString('base64')}`;

/** A client of the first instance: creates validations and enrols the person the logins look for. */
function benchClient(base: string, demo: Demo) {
  const auth = { authorization: `Bearer ${demo.clientAccessToken}`, 'content-type': 'application/json' };
  const create = async (type: string, identifier: string) => {
    const flow = type === 'onboarding' ? demo.onboardingFlow : demo.loginFlow;
    const res = await fetch(`${base}/v2/biometric-validations`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ project: demo.project, projectFlow: flow, identifier, type }),
    });
    return ((await res.json()) as { data: { token: string } }).data.token;
  };
  const enrol = async (image: string) => {
    const enrolled = await fetch(`${base}/v2/biometric-validations/validate`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${await create('onboarding', 'bench-user')}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ image: jpeg(image) }),
    });
    if (!enrolled.ok) throw new Error(`enrolment failed: ${enrolled.status} ${await enrolled.text()}`);
    // The other instances learn the enrolment through LISTEN/NOTIFY; give them a moment.
    await new Promise((r) => setTimeout(r, 200));
  };
  return { auth, create, enrol };
}

function createRun(bases: string[], demo: Demo, auth: Record<string, string>) {
  const body = JSON.stringify({
    project: demo.project,
    projectFlow: demo.loginFlow,
    identifier: 'bench-user',
    type: 'login',
  });
  return spread(bases, (b) => ({
    url: `${b}/v2/biometric-validations`,
    method: 'POST',
    headers: auth,
    body,
    connections: Math.ceil(20 / bases.length),
    duration: DURATION,
  }));
}

/** Validates login attempts with a pool of fresh session tokens per instance (each is used once). */
async function validateRun(
  bases: string[],
  create: (type: string, id: string) => Promise<string>,
  file: string,
) {
  const image = JSON.stringify({ image: jpeg(file) });
  const pools: string[][] = bases.map(() => []);
  for (let i = 0; i < 40 * DURATION; i++) pools[i % bases.length]?.push(await create('login', 'bench-user'));
  return spread(bases, (b, i) => ({
    url: `${b}/v2/biometric-validations/validate`,
    method: 'POST',
    connections: Math.max(2, Math.ceil((CORES * 2) / bases.length)),
    duration: DURATION,
    requests: [
      {
        setupRequest: (req) => ({
          ...req,
          headers: { 'content-type': 'application/json', authorization: `Bearer ${pools[i]?.pop()}` },
          body: image,
        }),
      },
    ],
  }));
}

async function bench(setup: Setup, pg: LocalPostgres | undefined, fx: Fixtures): Promise<Row[]> {
  const { bases, demo, stop } = await startInstances(setup, pg);
  try {
    const client = benchClient(bases[0] as string, demo);
    await client.enrol(fx.personA[0] as string);
    const created = await createRun(bases, demo, client.auth);
    const validated = await validateRun(bases, client.create, fx.personA[1] as string);
    return [
      { name: 'create validation', setup: setup.label, ...created, target: '>= 2000 req/s, p99 < 25 ms' },
      {
        name: 'validate (login, 1:N)',
        setup: setup.label,
        ...validated,
        target: '>= 12 req/s, p99 < 400 ms',
      },
    ];
  } finally {
    await stop();
  }
}

async function main() {
  const fx = await ensureFixtures();
  const only = process.env.BENCH_SETUPS?.split(',').map((s) => s.trim().toLowerCase());
  let setups = SETUPS.filter((s) => !only || only.some((o) => s.label.toLowerCase().includes(o)));
  let pg: LocalPostgres | undefined;
  if (setups.some((s) => s.store === 'postgres')) {
    try {
      pg = await startPostgres();
    } catch (err) {
      // Without PostgreSQL server binaries (scripts/install-system-deps.sh installs them) the SQLite rows still run.
      console.warn(`PostgreSQL setups skipped: ${err instanceof Error ? err.message.trim() : err}`);
      setups = setups.filter((s) => s.store !== 'postgres');
    }
  }
  const rows: Row[] = [];
  try {
    for (const s of setups) rows.push(...(await bench(s, pg, fx)));
  } finally {
    await pg?.stop();
  }
  const results = {
    date: new Date().toISOString(),
    cores: CORES,
    durationS: DURATION,
    image: `${path.basename(fx.personA[1])} (720x576 JPEG, one face)`,
    note: 'Two instances: load split evenly; req/s summed, p50/p99 of the slower instance. Engine workers: cores / instances each.',
    rows,
  };
  console.table(rows);
  mkdirSync(path.join(PKG, 'bench-results'), { recursive: true });
  writeFileSync(path.join(PKG, 'bench-results/server.json'), `${JSON.stringify(results, null, 2)}\n`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
