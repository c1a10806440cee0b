// What the spec cannot describe: deadlines, aborts, no server, and answers that break the contract.
import { describe, expect, it } from 'vitest';
import {
  createFaceproofClient,
  FaceproofApiError,
  FaceproofConnectionError,
  FaceproofTimeoutError,
  FaceproofUnexpectedResponseError,
  unwrap,
} from '../src/index.js';
import { errorBody, json, scriptedServerPerTest } from './helpers/server.js';

const createBody = { project: 'p1', projectFlow: 'f1', identifier: 'u1', type: 'login' } as const;
const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 0xe0]);
const hang = () => {}; // never answers
// A scripted server per test, closed after it.
const server = scriptedServerPerTest();

describe('timeouts and aborts', () => {
  it('gives up after the client timeout', async () => {
    const s = await server([hang]);
    const fp = createFaceproofClient({ baseUrl: s.url, timeout: 150 });
    const started = Date.now();
    const error = await fp.biometricValidations.create(createBody).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FaceproofTimeoutError);
    expect((error as FaceproofTimeoutError).requestId).toBe(s.calls[0]?.headers['x-request-id']);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('lets one call set its own timeout, longer or shorter than the default', async () => {
    const s = await server([
      (_q, res) => setTimeout(() => json(200, { success: true, data: {} })(_q, res, ''), 300),
      hang,
    ]);
    const fp = createFaceproofClient({ baseUrl: s.url, timeout: 100 });
    expect((await fp.session('tok').validate({ image: jpeg }, { timeout: 5000 })).status).toBe(200);
    const slow = createFaceproofClient({ baseUrl: s.url, timeout: 60_000 });
    await expect(slow.session('tok').validate({ image: jpeg }, { timeout: 100 })).rejects.toBeInstanceOf(
      FaceproofTimeoutError,
    );
  });

  it('counts the waits between retries against the deadline', async () => {
    const s = await server([], json(503, errorBody('ENGINE_BUSY'), { 'Retry-After': '30' }));
    const fp = createFaceproofClient({ baseUrl: s.url, timeout: 200 });
    await expect(fp.session('tok').validate({ image: jpeg })).rejects.toBeInstanceOf(FaceproofTimeoutError);
    expect(s.calls).toHaveLength(1);
  });

  it("rejects with the caller's own abort reason", async () => {
    const s = await server([hang]);
    const fp = createFaceproofClient({ baseUrl: s.url });
    const controller = new AbortController();
    const reason = new Error('user left the page');
    setTimeout(() => controller.abort(reason), 50);
    await expect(fp.session('tok').validate({ image: jpeg }, { signal: controller.signal })).rejects.toBe(
      reason,
    );
  });
});

describe('no server', () => {
  it('throws a FaceproofConnectionError carrying the request id', async () => {
    const s = await server([]);
    await s.close();
    const fp = createFaceproofClient({ baseUrl: s.url, retry: false });
    const error = await fp.biometricValidations
      .create(createBody, { requestId: 'my-id' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FaceproofConnectionError);
    expect((error as FaceproofConnectionError).requestId).toBe('my-id');
  });
});

describe('answers that break the contract', () => {
  it('refuses a 200 whose body is not JSON', async () => {
    const s = await server([
      (_q, res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"succ'),
    ]);
    const fp = createFaceproofClient({ baseUrl: s.url });
    const error = await fp.biometricValidations.create(createBody).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FaceproofUnexpectedResponseError);
    expect((error as FaceproofUnexpectedResponseError).status).toBe(200);
    expect((error as FaceproofUnexpectedResponseError).body).toBe('{"succ');
  });

  it('refuses a status the operation does not declare (a proxy error page)', async () => {
    const s = await server([
      (_q, res) => res.writeHead(502, { 'Content-Type': 'text/html' }).end('<h1>Bad gateway</h1>'),
    ]);
    const fp = createFaceproofClient({ baseUrl: s.url });
    const error = await fp.biometricValidations.create(createBody).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FaceproofUnexpectedResponseError);
    expect((error as FaceproofUnexpectedResponseError).message).toMatch(/status 502 is not declared/);
  });

  it('refuses an error code the operation does not declare for that status', async () => {
    const s = await server([json(409, errorBody('PERSON_ALREADY_SET'))]);
    const fp = createFaceproofClient({ baseUrl: s.url });
    const error = await fp
      .session('tok')
      .validate({ image: jpeg })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FaceproofUnexpectedResponseError);
    expect((error as Error).message).toMatch(/PERSON_ALREADY_SET is not declared for status 409/);
  });

  it('refuses an error body that is not the envelope', async () => {
    const s = await server([json(400, { oops: true })]);
    const fp = createFaceproofClient({ baseUrl: s.url });
    await expect(fp.session('tok').validate({ image: jpeg })).rejects.toBeInstanceOf(
      FaceproofUnexpectedResponseError,
    );
  });
});

describe('unwrap', () => {
  it('returns the data of a success and throws a FaceproofApiError for a declared error', async () => {
    const s = await server([
      json(200, { success: true, data: { _id: 'x' } }),
      json(409, errorBody('person_already_set'), { 'X-Request-Id': 'req-1' }),
    ]);
    const fp = createFaceproofClient({ baseUrl: s.url });
    const data = unwrap(await fp.appRegistration('r').validateFace({ image: jpeg, os: 'ANDROID' }));
    expect(data.success).toBe(true);
    const error = await fp
      .appRegistration('r')
      .validateFace({ image: jpeg, os: 'ANDROID' })
      .then(unwrap)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FaceproofApiError);
    expect(error).toMatchObject({ status: 409, code: 'person_already_set', requestId: 'req-1' });
  });
});
