// `pnpm --filter @faceproof/client bench`: the client's browser size (esbuild, minified + gzipped,
// openapi-fetch included) and its overhead per call against a local node:http server, next to a raw
// fetch doing the same request. Writes bench-results/client.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { createFaceproofClient } from '../dist/index.js';

const pkgDir = new URL('../', import.meta.url).pathname;
const SIZE_BUDGET = 10 * 1024;
const OVERHEAD_BUDGET = 0.1;

async function sizeOf(contents) {
  const out = await build({
    stdin: { contents, resolveDir: pkgDir, loader: 'js' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    write: false,
  });
  const bytes = out.outputFiles[0].contents;
  return { min: bytes.length, gz: gzipSync(bytes, { level: 9 }).length };
}

const body = JSON.stringify({
  success: true,
  data: {
    biometricValidation: { _id: '66e3244369cd15b505d21065', status: 'new' },
    livenessSession: {},
    token: 'tok',
  },
});
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () =>
    res.writeHead(200, { 'Content-Type': 'application/json', 'X-Request-Id': 'r' }).end(body),
  );
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const baseUrl = `http://127.0.0.1:${server.address().port}`;
const request = { project: 'p', projectFlow: 'f', identifier: 'u', type: 'login' };

const fp = createFaceproofClient({ baseUrl, accessToken: 'client-token' });
const viaClient = async () => {
  const r = await fp.biometricValidations.create(request);
  if (!r.ok) throw new Error('unexpected');
};
const viaFetch = async () => {
  const res = await fetch(`${baseUrl}/v2/biometric-validations`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      Authorization: 'Bearer client-token',
      'X-Request-Id': crypto.randomUUID(),
      'Idempotency-Key': crypto.randomUUID(),
    },
    body: JSON.stringify(request),
  });
  const data = await res.json();
  if (!data.success) throw new Error('unexpected');
};

async function timeIt(fn, n) {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await fn();
  return ((performance.now() - t0) * 1000) / n; // µs per call
}

// Warm both paths (connections, JIT), then alternate rounds so drift hits both alike; keep the median.
const N = 400;
const ROUNDS = 7;
await timeIt(viaFetch, 300);
await timeIt(viaClient, 300);
const raw = [];
const client = [];
for (let i = 0; i < ROUNDS; i++) {
  raw.push(await timeIt(viaFetch, N));
  client.push(await timeIt(viaClient, N));
}
server.close();
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const rawUs = median(raw);
const clientUs = median(client);
const overhead = (clientUs - rawUs) / rawUs;

const full = await sizeOf(`export * from '@faceproof/client';`);
const login = await sizeOf(
  `import { createFaceproofClient } from '@faceproof/client'; globalThis.fp = createFaceproofClient({ baseUrl: '/' });`,
);

const results = {
  date: new Date().toISOString(),
  node: process.version,
  size: {
    entry: '@faceproof/client (browser, all exports, openapi-fetch included)',
    minBytes: full.min,
    minGzipBytes: full.gz,
    createFaceproofClientOnlyMinGzipBytes: login.gz,
    budgetMinGzipBytes: SIZE_BUDGET,
    withinBudget: full.gz <= SIZE_BUDGET,
  },
  overhead: {
    callsPerRound: N,
    rounds: ROUNDS,
    rawFetchMicrosPerCall: Math.round(rawUs),
    clientMicrosPerCall: Math.round(clientUs),
    overheadRatio: Number(overhead.toFixed(4)),
    budgetRatio: OVERHEAD_BUDGET,
    withinBudget: overhead <= OVERHEAD_BUDGET,
  },
};

console.table({
  'browser bundle, min+gz': {
    value: `${(full.gz / 1024).toFixed(2)} kB`,
    budget: '10 kB',
    ok: results.size.withinBudget,
  },
  'browser bundle, min': { value: `${(full.min / 1024).toFixed(2)} kB`, budget: '', ok: '' },
  'createFaceproofClient only, min+gz': { value: `${(login.gz / 1024).toFixed(2)} kB`, budget: '', ok: '' },
  'raw fetch, per call': { value: `${Math.round(rawUs)} µs`, budget: '', ok: '' },
  '@faceproof/client, per call': { value: `${Math.round(clientUs)} µs`, budget: '', ok: '' },
  overhead: { value: `${(overhead * 100).toFixed(1)} %`, budget: '10 %', ok: results.overhead.withinBudget },
});
mkdirSync(`${pkgDir}bench-results`, { recursive: true });
writeFileSync(`${pkgDir}bench-results/client.json`, `${JSON.stringify(results, null, 2)}\n`);
console.log(`wrote ${pkgDir}bench-results/client.json`);
if (!results.size.withinBudget || !results.overhead.withinBudget) process.exitCode = 1;
