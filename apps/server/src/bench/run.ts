/**
 * Load test of a running server (spawned here on a free loopback port with a fresh data dir):
 * create-validation throughput, and validate throughput with a real one-face JPEG.
 * Prints a table and writes bench-results/server.json.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureFixtures } from '@faceproof/face-engine/fixtures';
import autocannon from 'autocannon';

const PKG = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DURATION = Number(process.env.BENCH_DURATION_S ?? 10);

async function freePort() {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const p = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return p;
}

async function main() {
  const fx = await ensureFixtures();
  const dir = mkdtempSync(path.join(tmpdir(), 'faceproof-bench-'));
  const port = await freePort();
  const env = {
    ...process.env,
    FACEPROOF_DATA_DIR: dir,
    HOST: '127.0.0.1',
    PORT: String(port),
    LOG_LEVEL: 'warn',
    RATE_LIMIT_MAX: '100000000',
    RATE_LIMIT_IP_MAX: '100000000',
  };
  const base = `http://127.0.0.1:${port}`;
  const demo = JSON.parse(
    execFileSync(process.execPath, ['bin/faceproof.js', 'demo', '--json'], {
      cwd: PKG,
      env,
      encoding: 'utf8',
    }),
  );
  const proc = spawn(process.execPath, ['dist/server.js'], {
    cwd: PKG,
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    for (let i = 0; i < 600; i++) {
      try {
        if ((await fetch(`${base}/readyz`)).ok) break;
      } catch {}
      await new Promise((r) => setTimeout(r, 100));
    }
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
    const jpeg = (f: string) => `data:image/jpeg;base64,${readFileSync(f).toString('base64')}`;
    const enrolled = await fetch(`${base}/v2/biometric-validations/validate`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${await create('onboarding', 'bench-user')}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ image: jpeg(fx.personA[0]) }),
    });
    if (!enrolled.ok) throw new Error(`enrolment failed: ${enrolled.status} ${await enrolled.text()}`);

    const createBody = JSON.stringify({
      project: demo.project,
      projectFlow: demo.loginFlow,
      identifier: 'bench-user',
      type: 'login',
    });
    const createRun = await autocannon({
      url: `${base}/v2/biometric-validations`,
      method: 'POST',
      headers: auth,
      body: createBody,
      connections: 20,
      duration: DURATION,
    });

    const image = JSON.stringify({ image: jpeg(fx.personA[1]) });
    const pool: string[] = [];
    for (let i = 0; i < 40 * DURATION; i++) pool.push(await create('login', 'bench-user'));
    const validateRun = await autocannon({
      url: `${base}/v2/biometric-validations/validate`,
      method: 'POST',
      connections: Math.max(2, availableParallelism() * 2),
      duration: DURATION,
      requests: [
        {
          setupRequest: (req) => ({
            ...req,
            headers: { 'content-type': 'application/json', authorization: `Bearer ${pool.pop()}` },
            body: image,
          }),
        },
      ],
    });

    const row = (name: string, r: autocannon.Result, target: string) => ({
      name,
      requestsPerSecond: Math.round(r.requests.average * 10) / 10,
      p50Ms: r.latency.p50,
      p99Ms: r.latency.p99,
      errors: r.errors + r.non2xx + r.timeouts,
      total: r.requests.total,
      target,
    });
    const results = {
      date: new Date().toISOString(),
      cores: availableParallelism(),
      durationS: DURATION,
      image: `${path.basename(fx.personA[1])} (720x576 JPEG, one face)`,
      rows: [
        row('create validation', createRun, '>= 2000 req/s, p99 < 25 ms'),
        row('validate (login, 1:N)', validateRun, '>= 12 req/s, p99 < 400 ms'),
      ],
    };
    console.table(results.rows);
    mkdirSync(path.join(PKG, 'bench-results'), { recursive: true });
    writeFileSync(path.join(PKG, 'bench-results/server.json'), `${JSON.stringify(results, null, 2)}\n`);
  } finally {
    proc.kill('SIGTERM');
    await new Promise((r) => proc.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
