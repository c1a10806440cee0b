/** Serves the built site (dist/) on 127.0.0.1:$DOCS_PORT (default 4000); DOCS_PORT=0 picks a free port. */
import { existsSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import sirv from 'sirv';

const dist = fileURLToPath(new URL('../dist', import.meta.url));
if (!existsSync(`${dist}/index.html`)) {
  console.error('apps/docs/dist is missing: run `pnpm --filter @faceproof/docs build` first.');
  process.exit(1);
}
const port = Number(process.env.DOCS_PORT ?? 4000);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`DOCS_PORT must be a port number, got ${JSON.stringify(process.env.DOCS_PORT)}`);
  process.exit(2);
}

// `extensions: ['html']` serves /quick-start as /quick-start.html; `dev: false` caches the file list.
const serve = sirv(dist, { extensions: ['html'], etag: true, gzip: false, dev: false });
const server = http.createServer((req, res) =>
  serve(req, res, () => {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('Not found');
  }),
);
server.listen(port, '127.0.0.1', () => {
  const { port: actual } = server.address() as AddressInfo;
  console.log(`Faceproof docs on http://127.0.0.1:${actual}`);
});
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.on(signal, () => server.close(() => process.exit(0)));
