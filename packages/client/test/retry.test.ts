// Retries against a scripted local server: what is retried, how often, with which headers, and
// what never is. Delays are kept tiny through Retry-After: 0 and a small backoff base.
import { describe, expect, it } from 'vitest';
import { createFaceproofClient, FaceproofConnectionError, parseRetryAfter } from '../src/index.js';
import { errorBody, json, scriptedServerPerTest } from './helpers/server.js';

const createBody = { project: 'p1', projectFlow: 'f1', identifier: 'u1', type: 'login' } as const;
const created = {
  success: true,
  data: { biometricValidation: {}, livenessSession: {}, token: 'session-token' },
};
const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 0xe0]);
const fast = { baseDelayMs: 5, maxDelayMs: 20 };
// A scripted server per test, closed after it.
const server = scriptedServerPerTest();

describe('retries', () => {
  it('retries a create after 429 with Retry-After, with the same idempotency key and a retry count', async () => {
    const s = await server([
      json(429, errorBody('RATE_LIMITED'), { 'Retry-After': '0' }),
      json(200, created),
    ]);
    const fp = createFaceproofClient({ baseUrl: s.url, accessToken: 't' });
    const r = await fp.biometricValidations.create(createBody);
    expect(r.status).toBe(200);
    expect(s.calls).toHaveLength(2);
    const [first, second] = s.calls;
    expect(first?.headers['idempotency-key']).toBeTruthy();
    expect(second?.headers['idempotency-key']).toBe(first?.headers['idempotency-key']);
    expect(first?.headers['x-request-id']).toBe(second?.headers['x-request-id']);
    expect(first?.headers['x-retry-count']).toBeUndefined();
    expect(second?.headers['x-retry-count']).toBe('1');
    expect(second?.body).toBe(first?.body);
  });

  it('honours Retry-After given as an HTTP date', async () => {
    const s = await server([
      json(429, errorBody('RATE_LIMITED'), { 'Retry-After': new Date(Date.now() + 1000).toUTCString() }),
      json(200, created),
    ]);
    const fp = createFaceproofClient({ baseUrl: s.url, accessToken: 't' });
    const started = Date.now();
    const r = await fp.biometricValidations.create(createBody);
    expect(r.status).toBe(200);
    expect(s.calls).toHaveLength(2);
    // The date has whole seconds, so the wait is between 0 and 1 s; backoff alone would be 0.5 s.
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('parses Retry-After seconds and dates', () => {
    const now = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT');
    expect(parseRetryAfter('12', now)).toBe(12_000);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:27:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });

  it('stops after maxRetries and returns the last declared answer', async () => {
    const s = await server([], json(503, errorBody('ENGINE_BUSY'), { 'Retry-After': '0' }));
    const fp = createFaceproofClient({ baseUrl: s.url, retry: { maxRetries: 3, ...fast } });
    const r = await fp.session('tok').validate({ image: jpeg });
    expect(r.status).toBe(503);
    expect(r.ok || r.code).toBe('ENGINE_BUSY');
    expect(s.calls.map((c) => c.headers['x-retry-count'])).toEqual([undefined, '1', '2', '3']);
  });

  it('backs off exponentially when there is no Retry-After', async () => {
    const s = await server([
      json(429, errorBody('RATE_LIMITED')),
      json(429, errorBody('RATE_LIMITED')),
      json(200, created),
    ]);
    const fp = createFaceproofClient({
      baseUrl: s.url,
      retry: { maxRetries: 2, baseDelayMs: 40, maxDelayMs: 1000 },
    });
    const started = Date.now();
    const r = await fp.biometricValidations.create(createBody);
    expect(r.status).toBe(200);
    // 40 ms then 80 ms, each less up to 25 % jitter: at least 90 ms in all.
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
  });

  it('does not wait for a Retry-After longer than the limit', async () => {
    const s = await server([json(429, errorBody('RATE_LIMITED'), { 'Retry-After': '3600' })]);
    const fp = createFaceproofClient({ baseUrl: s.url });
    const r = await fp.biometricValidations.create(createBody);
    expect(r.status).toBe(429);
    expect(s.calls).toHaveLength(1);
  });

  it('never retries validate on 429 (each call is an attempt)', async () => {
    const s = await server([json(429, errorBody('RATE_LIMITED'), { 'Retry-After': '0' }), json(200, {})]);
    const fp = createFaceproofClient({ baseUrl: s.url });
    const r = await fp.session('tok').validate({ image: jpeg });
    expect(r.status).toBe(429);
    expect(s.calls).toHaveLength(1);
  });

  it('retries validate and app registration on 503, where the spec says nothing was recorded', async () => {
    const s = await server([
      json(503, errorBody('ENGINE_BUSY'), { 'Retry-After': '0' }),
      json(200, { success: true, data: {} }),
      json(503, errorBody('engine_busy'), { 'Retry-After': '0' }),
      json(200, { success: true, data: {} }),
    ]);
    const fp = createFaceproofClient({ baseUrl: s.url });
    expect((await fp.session('tok').validate({ image: jpeg })).status).toBe(200);
    expect((await fp.appRegistration('reg').validateFace({ image: jpeg, os: 'IOS' })).status).toBe(200);
    expect(s.calls).toHaveLength(4);
  });

  it('does not retry validate after the connection dropped mid-request', async () => {
    const s = await server([(req) => req.socket.destroy()], json(200, {}));
    const fp = createFaceproofClient({ baseUrl: s.url });
    await expect(fp.session('tok').validate({ image: jpeg })).rejects.toBeInstanceOf(
      FaceproofConnectionError,
    );
    expect(s.calls).toHaveLength(1);
  });

  it('retries a create with an idempotency key after the connection dropped, and not one without', async () => {
    const s = await server([
      (req) => req.socket.destroy(),
      json(200, created),
      (req) => req.socket.destroy(),
    ]);
    const fp = createFaceproofClient({ baseUrl: s.url, retry: fast });
    expect((await fp.biometricValidations.create(createBody)).status).toBe(200);
    expect(s.calls).toHaveLength(2);
    const noKeys = createFaceproofClient({ baseUrl: s.url, retry: fast, idempotencyKeys: false });
    await expect(noKeys.biometricValidations.create(createBody)).rejects.toBeInstanceOf(
      FaceproofConnectionError,
    );
    expect(s.calls).toHaveLength(3);
    expect(s.calls[2]?.headers['idempotency-key']).toBeUndefined();
  });

  it('retries validate when the connection was refused (the request never left)', async () => {
    const s = await server([]);
    const url = s.url;
    await s.close();
    let calls = 0;
    const fp = createFaceproofClient({
      baseUrl: url,
      retry: fast,
      fetch: (input, init) => {
        calls++;
        return fetch(input, init);
      },
    });
    const error = await fp
      .session('tok')
      .validate({ image: jpeg })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FaceproofConnectionError);
    expect((error as FaceproofConnectionError).requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(calls).toBe(3);
  });

  it('sends no retries at all with retry: false', async () => {
    const s = await server([
      json(503, errorBody('ENGINE_BUSY'), { 'Retry-After': '0' }),
      json(429, errorBody('RATE_LIMITED'), { 'Retry-After': '0' }),
    ]);
    const fp = createFaceproofClient({ baseUrl: s.url, retry: false });
    expect((await fp.session('tok').validate({ image: jpeg })).status).toBe(503);
    expect((await fp.biometricValidations.create(createBody, { idempotencyKey: 'k' })).status).toBe(429);
    expect(s.calls).toHaveLength(2);
    expect(s.calls[0]?.headers['idempotency-key']).toBeUndefined();
    expect(s.calls[1]?.headers['idempotency-key']).toBe('k');
  });
});
