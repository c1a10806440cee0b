import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildInjectApp, type InjectHarness } from './helpers.js';

// The HTTP layer on the fully composed app, through app.inject (no socket, no engine needed).
const ORIGIN = 'https://app.example.invalid';
let h: InjectHarness;

beforeAll(async () => {
  h = await buildInjectApp({ CORS_ORIGINS: ORIGIN });
});
afterAll(() => h?.close());

describe('authentication', () => {
  it('refuses a missing token with 401 UNAUTHORIZED and a Bearer challenge', async () => {
    const res = await h.inject('GET', '/v2/projects');
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ success: false, code: 'UNAUTHORIZED' });
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="faceproof"');
  });

  it('refuses a token it did not sign with 401 INVALID_TOKEN', async () => {
    const res = await h.inject('GET', '/v2/projects', { token: 'not.a.jwt' });
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('INVALID_TOKEN');
    expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('refuses a valid token of the wrong kind with 403 TOKEN_KIND_NOT_ACCEPTED', async () => {
    const res = await h.inject('GET', '/v2/projects', { token: h.demo.appRegistrationToken });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('TOKEN_KIND_NOT_ACCEPTED');
  });

  it('checks the token before reading the body: 401 wins over 415', async () => {
    const res = await h.inject('POST', '/v2/projects', {
      raw: 'name=x',
      headers: { 'content-type': 'text/plain' },
    });
    expect(res.status).toBe(401);
  });
});

describe('not found', () => {
  it('answers an unknown route with 404 NOT_FOUND in the error shape, with the request id', async () => {
    const res = await h.inject('GET', '/v2/nothing-here?x=1', { headers: { 'x-request-id': 'inject-1' } });
    expect(res.status).toBe(404);
    expect(res.body).toEqual({
      success: false,
      code: 'NOT_FOUND',
      error: 'Not found',
      message: 'No operation GET /v2/nothing-here.',
      requestId: 'inject-1',
    });
    expect(res.headers.get('x-request-id')).toBe('inject-1');
  });

  it('answers a resource of nobody with its own 404 code', async () => {
    const res = await h.inject('GET', '/v2/projects/000000000000000000000000', {
      token: h.demo.clientAccessToken,
    });
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('PROJECT_NOT_FOUND');
  });
});

describe('validation errors', () => {
  it('lists body issues as JSON pointers under /body', async () => {
    const res = await h.inject('POST', '/v2/projects', {
      token: h.demo.clientAccessToken,
      body: { nom: 'x', allowedOrigins: 'https://app.example.com' },
    });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('INVALID_REQUEST');
    // An unknown field (`nom`) is ignored ("Tolerant requests"); the listed ones are checked.
    expect(res.body.details.map((d: { path: string }) => d.path).sort()).toEqual([
      '/body/allowedOrigins',
      '/body/name',
    ]);
  });

  it('lists query issues under /query', async () => {
    const res = await h.inject('GET', '/v2/projects?limit=0', { token: h.demo.clientAccessToken });
    expect(res.status).toBe(400);
    expect(res.body.details).toEqual([expect.objectContaining({ path: '/query/limit' })]);
  });

  it('validates header parameters from the spec (Idempotency-Key is at most 255 characters)', async () => {
    const res = await h.inject('POST', '/v2/biometric-validations', {
      token: h.demo.clientAccessToken,
      headers: { 'idempotency-key': 'k'.repeat(256) },
      body: {
        project: h.demo.project,
        projectFlow: h.demo.loginFlow,
        identifier: 'inject-user',
        type: 'login',
      },
    });
    expect(res.status).toBe(400);
    expect(res.body.details).toEqual([expect.objectContaining({ path: '/header/idempotency-key' })]);
  });

  it("pages with the spec's defaults when none are asked for", async () => {
    const res = await h.inject('GET', '/v2/projects', { token: h.demo.clientAccessToken });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ page: 1, limit: 20 });
  });

  it('answers malformed JSON with 400 and another media type with 415', async () => {
    const token = h.demo.clientAccessToken;
    const bad = await h.inject('POST', '/v2/projects', {
      token,
      raw: '{"name":',
      headers: { 'content-type': 'application/json' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.details).toEqual([{ path: '/body', message: 'is not valid JSON' }]);
    const text = await h.inject('POST', '/v2/projects', {
      token,
      raw: 'name=x',
      headers: { 'content-type': 'text/plain' },
    });
    expect(text.status).toBe(415);
    expect(text.body.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('spells the error of the validate operation in its own convention (message = code)', async () => {
    const created = await h.inject('POST', '/v2/biometric-validations', {
      token: h.demo.clientAccessToken,
      body: {
        project: h.demo.project,
        projectFlow: h.demo.loginFlow,
        identifier: 'inject-user',
        type: 'login',
      },
    });
    expect(created.status).toBe(200);
    const res = await h.inject('POST', '/v2/biometric-validations/validate', {
      token: created.body.data.token,
      body: {},
    });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'INVALID_REQUEST', message: 'INVALID_REQUEST' });
  });
});

describe('CORS', () => {
  const preflight = (origin: string) =>
    h.inject('OPTIONS', '/v2/projects', {
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
    });

  it('answers a preflight from a configured origin', async () => {
    const res = await preflight(ORIGIN);
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(res.headers.get('access-control-allow-methods')).toContain('POST');
  });

  it('does not allow another origin', async () => {
    const res = await preflight('https://elsewhere.example.invalid');
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });
});
