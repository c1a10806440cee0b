import { maxHeaderSize } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildInjectApp, client, type InjectHarness } from './helpers.js';

// Errors raised before a route is chosen (by the router, or by Node's HTTP parser) still answer in
// the spec's envelope, with the request id, and never echo the URL.
const ORIGIN = 'https://app.example.com';
const REQUEST_TIMEOUT_MS = 400;
let h: InjectHarness;
let base: string;
let port: number;

beforeAll(async () => {
  h = await buildInjectApp({ CORS_ORIGINS: ORIGIN, REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS) });
  await h.server.app.listen({ host: '127.0.0.1', port: 0 });
  const address = h.server.app.server.address();
  port = typeof address === 'object' && address ? address.port : 0;
  base = `http://127.0.0.1:${port}`;
});
afterAll(() => h?.close());

/**
 * Sends raw bytes and reads the whole answer until the server closes the connection; with `hold`,
 * the connection stays open for writing after the bytes (a request left unfinished).
 */
function raw(
  request: string,
  hold = false,
): Promise<{ status: number; headers: Record<string, string>; body: any }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const [head = '', body = ''] = text.split('\r\n\r\n');
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers = Object.fromEntries(
        lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]),
      );
      resolve({
        status: Number(statusLine.split(' ')[1]),
        headers,
        body: body ? JSON.parse(body) : undefined,
      });
    });
    if (hold) socket.write(request);
    else socket.end(request);
  });
}

function expectEnvelope(body: any, requestId: string | null | undefined, code: string) {
  expect(body).toMatchObject({
    success: false,
    code,
    error: expect.any(String),
    message: expect.any(String),
  });
  expect(requestId).toBeTruthy();
  expect(body.requestId).toBe(requestId);
}

describe('a path that does not decode', () => {
  it('is a 400 INVALID_REQUEST in the envelope through app.inject, without the URL', async () => {
    const res = await h.inject('GET', '/v2/projects/%E0%A4%A-secret', { token: h.demo.clientAccessToken });
    expect(res.status).toBe(400);
    expectEnvelope(res.body, res.headers.get('x-request-id'), 'INVALID_REQUEST');
    expect(res.body.details).toEqual([{ path: '/path', message: 'is not valid percent-encoding' }]);
    expect(JSON.stringify(res.body)).not.toContain('secret');
  });

  it('is the same 400 over real HTTP, before authentication', async () => {
    const res = await client(base)('DELETE', '/v2/persons/%zz');
    expect(res.status).toBe(400);
    expectEnvelope(res.body, res.headers.get('x-request-id'), 'INVALID_REQUEST');
    expect(JSON.stringify(res.body)).not.toContain('%zz');
  });
});

describe('an over-long path parameter', () => {
  it('is judged by the id schema (400 INVALID_REQUEST), not cut by the router with a 414', async () => {
    const id = 'a'.repeat(5_000);
    const res = await h.inject('GET', `/v2/collections/${id}`, { token: h.demo.clientAccessToken });
    expect(res.status).toBe(400);
    expectEnvelope(res.body, res.headers.get('x-request-id'), 'INVALID_REQUEST');
    expect(res.body.details).toEqual([
      { path: '/path/id', message: 'must NOT have more than 64 characters' },
    ]);
    expect(JSON.stringify(res.body)).not.toContain(id);
  });

  it('answers the same over real HTTP', async () => {
    const res = await client(base)('GET', `/v2/projects/${'b'.repeat(150)}`, {
      token: h.demo.clientAccessToken,
    });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('INVALID_REQUEST');
  });
});

describe("requests Node's parser refuses", () => {
  it(`answers headers over ${maxHeaderSize} bytes with 431 in the envelope and closes`, async () => {
    const res = await raw(
      `GET /v2/projects HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: ${'p'.repeat(maxHeaderSize)}\r\n\r\n`,
    );
    expect(res.status).toBe(431);
    expect(res.headers.connection).toBe('close');
    expectEnvelope(res.body, res.headers['x-request-id'], 'REQUEST_HEADER_FIELDS_TOO_LARGE');
    expect(JSON.stringify(res.body)).not.toContain('ppp');
  });

  it('answers a request line that is not HTTP with 400 INVALID_REQUEST in the envelope', async () => {
    const res = await raw('GET /v2/projects HTTP/1.1\r\nHost: 127.0.0.1\r\nBad Header\r\n\r\n');
    expect(res.status).toBe(400);
    expectEnvelope(res.body, res.headers['x-request-id'], 'INVALID_REQUEST');
  });

  it(`answers a request not received within ${REQUEST_TIMEOUT_MS} ms with 408 in the envelope and closes`, async () => {
    const started = Date.now();
    const res = await raw(
      // The head never ends: no route (nor its authentication) can answer before the timeout does.
      `POST /v2/projects HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: ${ORIGIN}\r\nContent-Type: app`,
      true,
    );
    expect(res.status).toBe(408);
    expect(Date.now() - started).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 50);
    expect(res.headers.connection).toBe('close');
    expectEnvelope(res.body, res.headers['x-request-id'], 'REQUEST_TIMEOUT');
  });

  it('keeps serving afterwards', async () => {
    const res = await client(base)('GET', '/v2/projects', { token: h.demo.clientAccessToken });
    expect(res.status).toBe(200);
  });
});

describe('framework errors seen from a browser on an allowed origin', () => {
  const fromOrigin = (origin: string) => ({ headers: { origin } });

  it('carry the CORS headers on a path that does not decode, for the allowed origin only', async () => {
    const res = await client(base)('GET', '/v2/projects/%zz', fromOrigin(ORIGIN));
    expect(res.status).toBe(400);
    expect(res.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(res.headers.get('vary')).toMatch(/origin/i);
    const other = await client(base)('GET', '/v2/projects/%zz', fromOrigin('https://evil.example.invalid'));
    expect(other.status).toBe(400);
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('carry them on an unknown route (404 NOT_FOUND) and an over-long parameter (400)', async () => {
    const unknown = await client(base)('GET', '/v2/no-such-thing', fromOrigin(ORIGIN));
    expect(unknown.status).toBe(404);
    expectEnvelope(unknown.body, unknown.headers.get('x-request-id'), 'NOT_FOUND');
    expect(unknown.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    const long = await client(base)('GET', `/v2/projects/${'c'.repeat(3_000)}`, {
      ...fromOrigin(ORIGIN),
      token: h.demo.clientAccessToken,
    });
    expect(long.status).toBe(400);
    expect(long.headers.get('access-control-allow-origin')).toBe(ORIGIN);
  });

  it('carry them on a header overflow (431), read from the bytes Node received', async () => {
    const overflow = (origin: string) =>
      raw(
        `GET /v2/projects HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: ${origin}\r\nX-Padding: ${'p'.repeat(maxHeaderSize)}\r\n\r\n`,
      );
    const res = await overflow(ORIGIN);
    expect(res.status).toBe(431);
    expect(res.headers['access-control-allow-origin']).toBe(ORIGIN);
    expectEnvelope(res.body, res.headers['x-request-id'], 'REQUEST_HEADER_FIELDS_TOO_LARGE');
    const other = await overflow('https://evil.example.invalid');
    expect(other.status).toBe(431);
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });
});
