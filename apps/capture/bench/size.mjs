// Transfer size of the capture page: what a browser downloads (HTML + JS + CSS), as the plugin
// actually sends it over HTTP with gzip and with brotli. Writes bench-results/capture.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify from 'fastify';
import { capturePlugin } from '../dist/index.js';

const BUDGET_GZIP = 30 * 1024;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function get(origin, urlPath, encoding) {
  return new Promise((resolve, reject) => {
    const headers = encoding ? { 'accept-encoding': encoding } : {};
    http
      .get(new URL(urlPath, origin), { headers }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode,
            encoding: res.headers['content-encoding'],
            body: Buffer.concat(chunks),
          }),
        );
      })
      .on('error', reject);
  });
}

const app = Fastify();
await app.register(capturePlugin);
const origin = await app.listen({ host: '127.0.0.1', port: 0 });
try {
  const page = await get(origin, '/capture/66e3244369cd15b505d21065');
  const assets = [...page.body.toString().matchAll(/(?:src|href)="(\/capture\/assets\/[^"]+)"/g)].map(
    (m) => m[1],
  );
  const rows = [];
  for (const [name, url] of [
    ['page.html', '/capture/66e3244369cd15b505d21065'],
    ...assets.map((a) => [path.basename(a), a]),
  ]) {
    const [raw, gz, br] = await Promise.all([
      get(origin, url),
      get(origin, url, 'gzip'),
      get(origin, url, 'br'),
    ]);
    if (gz.encoding !== 'gzip' || br.encoding !== 'br') throw new Error(`${url} was not sent compressed`);
    rows.push({ resource: name, raw: raw.body.length, gzip: gz.body.length, brotli: br.body.length });
  }
  const total = rows.reduce(
    (t, r) => ({ raw: t.raw + r.raw, gzip: t.gzip + r.gzip, brotli: t.brotli + r.brotli }),
    {
      raw: 0,
      gzip: 0,
      brotli: 0,
    },
  );
  rows.push({ resource: 'total', ...total });
  console.table(rows);
  const ok = total.gzip <= BUDGET_GZIP;
  console.log(`budget: ${total.gzip} B gzipped of ${BUDGET_GZIP} B (${ok ? 'within' : 'OVER'})`);
  mkdirSync(path.join(root, 'bench-results'), { recursive: true });
  writeFileSync(
    path.join(root, 'bench-results', 'capture.json'),
    `${JSON.stringify({ date: new Date().toISOString(), budgetGzip: BUDGET_GZIP, withinBudget: ok, resources: rows }, null, 2)}\n`,
  );
  if (!ok) process.exitCode = 1;
} finally {
  await app.close();
}
