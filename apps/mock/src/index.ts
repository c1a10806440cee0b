import { type ChildProcess, spawn } from 'node:child_process';
import http from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { bundlePaths, loadBundle } from '@faceproof/openapi';
import { invalidRequestBody, matchOperation, operationMatchers, type PrismViolation } from './violations.js';

export type { Scenario } from './scenario-list.js';
export { listScenarios } from './scenario-list.js';
export type { DeliveryOutcome, SignedDelivery, WebhookEvent } from './webhooks.js';
export { listWebhookEvents, postDelivery, signDelivery, testWebhookSecret } from './webhooks.js';

export type MockOptions = {
  /** Port of the public listener; 0 picks a free one. */
  port?: number;
  host?: string;
  /** The bundled spec to serve; defaults to `@faceproof/openapi/openapi.json`. */
  spec?: string;
  /** Where Prism's own log lines go (its request log shows each violation). */
  log?: (line: string) => void;
};

export type RunningMock = {
  url: string;
  port: number;
  /** Milliseconds from the call until the mock answered its first request. */
  startupMs: number;
  close(): Promise<void>;
};

const require = createRequire(import.meta.url);

function prismBin(): string {
  const pkgJson = require.resolve('@stoplight/prism-cli/package.json');
  const bin = require(pkgJson).bin;
  return join(dirname(pkgJson), typeof bin === 'string' ? bin : bin.prism);
}

async function freePort(host: string): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function startPrism(
  spec: string,
  host: string,
  port: number,
  log: (line: string) => void,
): Promise<ChildProcess> {
  const child = spawn(process.execPath, [prismBin(), 'mock', '--host', host, '--port', String(port), spec], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, FORCE_COLOR: '0' },
  });
  return new Promise((resolve, reject) => {
    let ready = false;
    let tail = '';
    const onData = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line.trim()) continue;
        log(line);
        tail = `${tail}\n${line}`.slice(-4000);
        if (!ready && line.includes('Prism is listening')) {
          ready = true;
          resolve(child);
        }
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      if (!ready) reject(new Error(`Prism exited with ${code} before listening:${tail}`));
    });
  });
}

/**
 * Starts Prism on a private loopback port and a thin proxy in front of it on `port`. The proxy passes
 * everything through except Prism's answer to a request that breaks the spec: Prism picks the
 * documented `400` and sends its static example, so the proxy fills that example's `details` with
 * the violations Prism found (the `sl-violations` header) so the frontend sees what it did wrong.
 */
export async function startMock(options: MockOptions = {}): Promise<RunningMock> {
  const started = performance.now();
  const host = options.host ?? '127.0.0.1';
  const spec = options.spec ?? bundlePaths.json;
  const log = options.log ?? (() => {});
  const matchers = operationMatchers(loadBundle(spec));
  const prismPort = await freePort(host);
  const prism = await startPrism(spec, host, prismPort, log);
  const agent = new http.Agent({ keepAlive: true });

  const server = http.createServer(async (req, res) => {
    // Prism crashes (and restarts, dropping every connection) on a body that is not valid JSON, so
    // such a body never reaches it: Prism gets a JSON string instead, which breaks every request
    // schema of the spec, and the violation the client sees is the real one.
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let body = Buffer.concat(chunks);
    let malformed: string | undefined;
    if (body.length > 0 && /json/i.test(String(req.headers['content-type'] ?? ''))) {
      try {
        JSON.parse(body.toString('utf8'));
      } catch (error) {
        malformed = (error as Error).message;
        body = Buffer.from('"not JSON"');
      }
    }
    const forwardHeaders = { ...req.headers, 'content-length': String(body.length) };
    delete forwardHeaders['transfer-encoding'];
    const upstream = http.request(
      { host, port: prismPort, method: req.method, path: req.url, headers: forwardHeaders, agent },
      (up) => {
        const rawViolations = up.headers['sl-violations'];
        const reported: PrismViolation[] = rawViolations ? safeJson(String(rawViolations)) : [];
        const violations: PrismViolation[] =
          malformed === undefined
            ? reported
            : reported
                .filter((v) => v.location?.[0] !== 'request' || v.location?.[1] !== 'body')
                .concat({
                  location: ['request', 'body'],
                  severity: 'Error',
                  code: 'json',
                  message: `is not valid JSON (${malformed})`,
                });
        // A security violation (code 401) already gets the documented 401 example.
        const requestViolations = violations.filter((v) => v.location?.[0] === 'request' && v.code !== 401);
        const operation = matchOperation(
          matchers,
          req.method ?? '',
          new URL(req.url ?? '/', 'http://x').pathname,
        );
        if (
          requestViolations.length === 0 ||
          (up.statusCode !== 400 && up.statusCode !== 422) ||
          !operation?.invalidRequest
        ) {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
          return;
        }
        up.resume();
        const requestId = up.headers['x-request-id'];
        const body = JSON.stringify(
          invalidRequestBody(
            operation.invalidRequest,
            requestViolations,
            typeof requestId === 'string' ? requestId : undefined,
          ),
        );
        const headers = {
          ...up.headers,
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(body)),
        };
        delete headers['transfer-encoding'];
        res.writeHead(400, headers);
        res.end(body);
      },
    );
    upstream.on('error', (err) => {
      if (res.headersSent) return res.destroy(err);
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`Faceproof mock: Prism did not answer: ${err.message}`);
    });
    upstream.end(body);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 4010, host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host}:${port}`;

  let closed = false;
  return {
    url,
    port,
    startupMs: performance.now() - started,
    async close() {
      if (closed) return;
      closed = true;
      agent.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      if (prism.exitCode === null) {
        const exited = new Promise((resolve) => prism.once('exit', resolve));
        prism.kill('SIGTERM');
        await exited;
      }
    },
  };
}

function safeJson(text: string): PrismViolation[] {
  try {
    const value = JSON.parse(text);
    return Array.isArray(value) ? value : [];
  } catch {
    return [];
  }
}
