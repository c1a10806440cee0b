// How requests leave: the body goes out as it was serialized (with a Content-Length, never a
// re-streamed or teed copy), on the first attempt and on every retry, whoever built the Request;
// `fp.raw` gets the same deadline and retries; and the exported middleware still work on a plain
// openapi-fetch client.
import createClient, { type Middleware } from 'openapi-fetch';
import { describe, expect, it, vi } from 'vitest';
import {
  createFaceproofClient,
  type paths,
  ReplayableRequest,
  retryMiddleware,
  timeoutMiddleware,
} from '../src/index.js';
import { errorBody, json, scriptedServerPerTest } from './helpers/server.js';

const createBody = { project: 'p1', projectFlow: 'f1', identifier: 'u1', type: 'login' } as const;
const created = {
  success: true,
  data: { biometricValidation: {}, livenessSession: {}, token: 'session-token' },
};
const rateLimited = json(429, errorBody('RATE_LIMITED'), { 'Retry-After': '0' });
const hang = () => {};
// A scripted server per test, closed after it.
const server = scriptedServerPerTest();

describe('the body on the wire', () => {
  it('is sent with a Content-Length, the same on the first attempt and on the retry', async () => {
    const s = await server([rateLimited, json(200, created)]);
    const fp = createFaceproofClient({ baseUrl: s.url, accessToken: 't' });
    expect((await fp.biometricValidations.create(createBody)).status).toBe(200);
    expect(s.calls).toHaveLength(2);
    for (const call of s.calls) {
      expect(JSON.parse(call.body)).toEqual(createBody);
      expect(call.headers['content-length']).toBe(String(Buffer.byteLength(call.body)));
      expect(call.headers['transfer-encoding']).toBeUndefined();
      expect(call.headers['content-type']).toBe('application/json');
    }
  });

  it('survives a middleware that builds its own Request, and is retried from the bytes read', async () => {
    const s = await server([rateLimited, json(200, created)]);
    const rebuild: Middleware = {
      onRequest({ request }) {
        const headers = new Headers(request.headers);
        headers.set('X-Signed', 'yes');
        return new Request(request, { headers });
      },
    };
    const fp = createFaceproofClient({ baseUrl: s.url, accessToken: 't', middleware: [rebuild] });
    expect((await fp.biometricValidations.create(createBody)).status).toBe(200);
    expect(s.calls.map((c) => c.headers['x-signed'])).toEqual(['yes', 'yes']);
    expect(s.calls.map((c) => c.headers['x-retry-count'])).toEqual([undefined, '1']);
    for (const call of s.calls) expect(JSON.parse(call.body)).toEqual(createBody);
    expect(s.calls[1]?.headers['idempotency-key']).toBe(s.calls[0]?.headers['idempotency-key']);
  });

  it('hands a custom fetch a Request on every attempt', async () => {
    const s = await server([rateLimited, json(200, created)]);
    const seen: { retry: string | null; body: string }[] = [];
    const fp = createFaceproofClient({
      baseUrl: s.url,
      fetch: async (input, init) => {
        expect(input).toBeInstanceOf(Request);
        expect(init).toBeUndefined();
        const request = input as Request;
        seen.push({ retry: request.headers.get('X-Retry-Count'), body: await request.clone().text() });
        return fetch(request);
      },
    });
    expect((await fp.biometricValidations.create(createBody)).status).toBe(200);
    expect(seen.map((x) => x.retry)).toEqual([null, '1']);
    for (const x of seen) expect(JSON.parse(x.body)).toEqual(createBody);
  });
});

describe('fp.raw', () => {
  it('sends the client token unless the call sets its own Authorization', async () => {
    const s = await server([], json(200, created));
    const fp = createFaceproofClient({ baseUrl: s.url, accessToken: 'client-token' });
    await fp.raw.POST('/v2/biometric-validations', { body: createBody });
    await fp.raw.POST('/v2/biometric-validations', {
      body: createBody,
      headers: { Authorization: 'Bearer other' },
    });
    expect(s.calls.map((c) => c.headers.authorization)).toEqual(['Bearer client-token', 'Bearer other']);
    expect(s.calls[0]?.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('asks a token function on every request', async () => {
    const s = await server([], json(200, created));
    let n = 0;
    const fp = createFaceproofClient({ baseUrl: s.url, accessToken: async () => `rotating-${++n}` });
    await fp.biometricValidations.create(createBody);
    await fp.raw.POST('/v2/biometric-validations', { body: createBody });
    expect(s.calls.map((c) => c.headers.authorization)).toEqual(['Bearer rotating-1', 'Bearer rotating-2']);
  });

  it('retries by the policy of the operation: validate on 503, not on 429', async () => {
    const s = await server([
      json(503, errorBody('ENGINE_BUSY'), { 'Retry-After': '0' }),
      json(200, { success: true, data: {} }),
      rateLimited,
    ]);
    const fp = createFaceproofClient({ baseUrl: s.url });
    const body = { image: 'data:image/jpeg;base64,/9j/4A==' };
    const headers = { Authorization: 'Bearer tok' };
    expect((await fp.raw.POST('/v2/biometric-validations/validate', { body, headers })).response.status).toBe(
      200,
    );
    expect((await fp.raw.POST('/v2/biometric-validations/validate', { body, headers })).response.status).toBe(
      429,
    );
    expect(s.calls.map((c) => c.headers['x-retry-count'])).toEqual([undefined, '1', undefined]);
  });

  it('tells validate by its path under a baseUrl with a path of its own', async () => {
    // A POST without an Idempotency-Key is retried on 503 only when it is validate (or app
    // registration): the path below the baseUrl decides.
    const s = await server([
      json(503, errorBody('ENGINE_BUSY'), { 'Retry-After': '0' }),
      json(200, { success: true, data: {} }),
      json(503, errorBody('ENGINE_BUSY'), { 'Retry-After': '0' }),
    ]);
    const fp = createFaceproofClient({ baseUrl: `${s.url}/faceproof/` });
    const validate = await fp.raw.POST('/v2/biometric-validations/validate', {
      body: { image: 'data:image/jpeg;base64,/9j/4A==' },
      headers: { Authorization: 'Bearer tok' },
    });
    expect(validate.response.status).toBe(200);
    const create = await fp.raw.POST('/v2/biometric-validations', { body: createBody });
    expect(create.response.status).toBe(503);
    expect(s.calls.map((c) => [c.url, c.headers['x-retry-count']])).toEqual([
      ['/faceproof/v2/biometric-validations/validate', undefined],
      ['/faceproof/v2/biometric-validations/validate', '1'],
      ['/faceproof/v2/biometric-validations', undefined],
    ]);
  });

  it('gives every request an X-Request-Id, which your middleware sees', async () => {
    const s = await server([], json(200, created));
    const seen: (string | null)[] = [];
    const spy: Middleware = {
      onRequest({ request }) {
        seen.push(request.headers.get('X-Request-Id'));
      },
    };
    const plain = createFaceproofClient({ baseUrl: s.url });
    const watched = createFaceproofClient({ baseUrl: s.url, middleware: [spy] });
    await plain.raw.POST('/v2/biometric-validations', { body: createBody });
    await watched.raw.POST('/v2/biometric-validations', { body: createBody });
    const sent = s.calls.map((c) => c.headers['x-request-id']);
    for (const id of sent) expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(sent[0]).not.toBe(sent[1]);
    expect(seen).toEqual([sent[1]]);
  });

  it("honours the call's own signal", async () => {
    const s = await server([hang]);
    const fp = createFaceproofClient({ baseUrl: s.url, timeout: 0 });
    const controller = new AbortController();
    const reason = new Error('navigated away');
    setTimeout(() => controller.abort(reason), 50);
    await expect(
      fp.raw.POST('/v2/biometric-validations', { body: createBody, signal: controller.signal }),
    ).rejects.toBe(reason);
  });

  it('puts the client timeout on raw calls too', async () => {
    const s = await server([hang]);
    const fp = createFaceproofClient({ baseUrl: s.url, timeout: 150 });
    const error = await fp.raw
      .POST('/v2/biometric-validations', { body: createBody })
      .catch((e: unknown) => e);
    expect((error as Error).name).toBe('TimeoutError');
  });
});

describe('aborts during a retry wait', () => {
  it("reject with the caller's reason at once", async () => {
    const s = await server([], json(503, errorBody('ENGINE_BUSY'), { 'Retry-After': '30' }));
    const fp = createFaceproofClient({ baseUrl: s.url });
    const controller = new AbortController();
    const reason = new Error('user cancelled');
    const started = Date.now();
    const call = fp
      .session('tok')
      .validate({ image: 'data:image/jpeg;base64,/9j/4A==' }, { signal: controller.signal });
    // Aborted once the server has the first call (and answers its 503), not after a guess at how
    // long that takes: the client is then in, or about to enter, its 30 s wait.
    await vi.waitFor(() => expect(s.calls).toHaveLength(1), { timeout: 10_000 });
    controller.abort(reason);
    await expect(call).rejects.toBe(reason);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(s.calls).toHaveLength(1);
  });

  it('reject at once when the signal is already aborted', async () => {
    const s = await server([], json(200, created));
    const fp = createFaceproofClient({ baseUrl: s.url });
    const reason = new Error('too late');
    await expect(
      fp.biometricValidations.create(createBody, { signal: AbortSignal.abort(reason) }),
    ).rejects.toBe(reason);
    expect(s.calls).toHaveLength(0);
  });
});

describe('the exported middleware on a plain openapi-fetch client', () => {
  for (const Request of [globalThis.Request, ReplayableRequest]) {
    it(`retry a 429 with the same body, and time out (Request: ${Request.name})`, async () => {
      const s = await server([rateLimited, json(200, created), hang]);
      const client = createClient<paths>({ baseUrl: s.url, Request });
      client.use(timeoutMiddleware(200), retryMiddleware({ baseDelayMs: 5 }));
      const headers = { 'Idempotency-Key': 'k1' };
      const r = await client.POST('/v2/biometric-validations', { body: createBody, headers });
      expect(r.response.status).toBe(200);
      expect(s.calls.map((c) => c.headers['x-retry-count'])).toEqual([undefined, '1']);
      for (const call of s.calls) {
        expect(JSON.parse(call.body)).toEqual(createBody);
        expect(call.headers['content-length']).toBe(String(Buffer.byteLength(call.body)));
      }
      const error = await client
        .POST('/v2/biometric-validations', { body: createBody, headers })
        .catch((e: unknown) => e);
      expect((error as Error).name).toBe('TimeoutError');
    });
  }
});
