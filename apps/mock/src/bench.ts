/** Start-up time of the mock (Prism + proxy) and the latency of its answers; writes bench-results/mock.json. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadBundle } from '@faceproof/openapi';
import { startMock } from './index.js';
import { listScenarios } from './scenario-list.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const REQUESTS = 200;
const scenarios = listScenarios(loadBundle());

function stats(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return { min: at(0), p50: at(0.5), p95: at(0.95), max: at(1) };
}

const startups: number[] = [];
const firstAnswers: number[] = [];
const latencies: number[] = [];
const target = scenarios.find((s) => s.status === 200) ?? scenarios[0];
if (!target) throw new Error('the spec has no scenario');

for (let run = 0; run < RUNS; run++) {
  const t0 = performance.now();
  const mock = await startMock({ port: 0 });
  startups.push(mock.startupMs);
  const res = await fetch(`${mock.url}${target.path}`, {
    method: 'OPTIONS',
    headers: { origin: 'http://127.0.0.1:4000', 'access-control-request-method': target.method },
  });
  await res.arrayBuffer();
  firstAnswers.push(performance.now() - t0);
  if (run === 0) {
    for (let i = 0; i < REQUESTS; i++) {
      const s = scenarios[i % scenarios.length];
      if (!s) continue;
      const t = performance.now();
      const r = await fetch(`${mock.url}${s.path}`, {
        method: s.method,
        headers: { prefer: s.prefer, authorization: 'Bearer bench', 'content-type': 'application/json' },
        body: s.method === 'GET' ? undefined : '{}',
      });
      await r.arrayBuffer();
      latencies.push(performance.now() - t);
    }
  }
  await mock.close();
}

const round = (o: Record<string, number>) =>
  Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Math.round(v * 10) / 10]));
const results = {
  date: new Date().toISOString(),
  node: process.version,
  runs: RUNS,
  startupMs: round(stats(startups)),
  firstAnswerMs: round(stats(firstAnswers)),
  requestLatencyMs: { requests: latencies.length, ...round(stats(latencies)) },
};
console.table({
  'start-up (ms)': results.startupMs,
  'start to first answer (ms)': results.firstAnswerMs,
  [`request latency, ${latencies.length} sequential (ms)`]: round(stats(latencies)),
});
const dir = fileURLToPath(new URL('../bench-results/', import.meta.url));
mkdirSync(dir, { recursive: true });
writeFileSync(`${dir}mock.json`, `${JSON.stringify(results, null, 2)}\n`);
console.log(`wrote ${dir}mock.json`);
