import { Contract, type Json, operations, resolveRef } from '@faceproof/openapi';
import { describe, expect, inject, it } from 'vitest';
import { scenarios } from '../dist/scenarios.js';
import { listScenarios } from '../src/scenario-list.js';

const contract = new Contract();
const { spec } = contract;
const byId = new Map(operations(spec).map((o) => [o.operationId, o]));
const baseUrl = () => inject('mockUrl');

/** A well-formed request for the operation: its first request example and a bearer token. */
function wellFormed(operationId: string, headers: Record<string, string> = {}): RequestInit {
  const { op } = byId.get(operationId) ?? {};
  const media = resolveRef(spec, op.requestBody)?.content?.['application/json'];
  const first = Object.values<Json>(media?.examples ?? {})[0];
  const init: RequestInit = { method: byId.get(operationId)?.method.toUpperCase(), headers: { ...headers } };
  if (first) {
    init.body = JSON.stringify(resolveRef(spec, first).value);
    (init.headers as Record<string, string>)['content-type'] = 'application/json';
  }
  if (op.security?.length) (init.headers as Record<string, string>).authorization = 'Bearer test-token';
  return init;
}

/** The operation's required query parameters, each its schema's first example, as a query string. */
function requiredQuery(operationId: string): string {
  const required = (byId.get(operationId)?.parameters ?? []).filter(
    (p: Json) => p.in === 'query' && p.required,
  );
  const pairs = required.map((p: Json): [string, string] => [p.name, String(p.schema?.examples?.[0] ?? 'x')]);
  return pairs.length ? `?${new URLSearchParams(pairs)}` : '';
}

/** An operation that a public start may also call without any token (security `{}`). */
const anonymous = (op: Json) => (op.security ?? []).some((s: object) => Object.keys(s).length === 0);

describe('scenario list', () => {
  it('is the one the build generated from the current spec', () => {
    expect(scenarios).toEqual(listScenarios(spec));
  });

  it('covers every named example of every response of every operation', () => {
    let count = 0;
    for (const { op } of operations(spec))
      for (const response of Object.values<Json>(op.responses ?? {}))
        for (const media of Object.values<Json>(resolveRef(spec, response).content ?? {}))
          count += Object.keys(media.examples ?? {}).length;
    expect(scenarios.length).toBe(count);
    expect(count).toBeGreaterThan(0);
  });
});

describe.each(scenarios.map((s) => [`${s.operationId} ${s.status} ${s.example}`, s] as const))(
  '%s',
  (_, s) => {
    it('answers the named example when asked with its Prefer header', async () => {
      const res = await fetch(
        `${baseUrl()}${s.path}${requiredQuery(s.operationId)}`,
        wellFormed(s.operationId, { prefer: s.prefer }),
      );
      expect(res.status).toBe(s.status);
      expect(res.headers.get('content-type')).toContain(s.mediaType);
      const body = await res.json();
      const response = resolveRef(spec, byId.get(s.operationId)?.op.responses[String(s.status)]);
      const media = response.content[s.mediaType];
      expect(body).toEqual(resolveRef(spec, media.examples[s.example]).value);
      const validate = contract.compile(media.schema);
      expect(validate(body), JSON.stringify(validate.errors)).toBe(true);
      for (const name of Object.keys(response.headers ?? {})) expect(res.headers.has(name), name).toBe(true);
    });
  },
);

describe('requests that break the spec', () => {
  const withBody = operations(spec).filter(
    ({ op }) => resolveRef(spec, op.requestBody)?.content?.['application/json'],
  );

  it.each(withBody.map((o) => [o.operationId, o] as const))(
    '%s answers the documented 400 with the real violations in details',
    async (_, { path, method, operationId, op }) => {
      const res = await fetch(`${baseUrl()}${path}`, {
        method: method.toUpperCase(),
        headers: { 'content-type': 'application/json', authorization: 'Bearer test-token' },
        // Unknown fields are ignored ("Tolerant requests"): listed fields of the wrong type break it.
        body: JSON.stringify({ unexpectedField: 1, name: 1, status: 1, fullName: 1, populates: 1 }),
      });
      expect(res.status).toBe(400);
      const body: Json = await res.json();
      const media = resolveRef(spec, op.responses['400']).content['application/json'];
      expect(contract.compile(media.schema)(body)).toBe(true);
      expect(body.code).toMatch(/^invalid_request$/i);
      const requestSchema = resolveRef(
        spec,
        resolveRef(spec, op.requestBody).content['application/json'].schema,
      );
      const paths = body.details.map((d: { path: string }) => d.path);
      for (const required of requestSchema.required ?? [])
        expect(paths, operationId).toContain(`/body/${required}`);
      expect(res.headers.get('sl-violations')).toBeTruthy();
    },
  );

  it('names the exact field and allowed values of an enum violation', async () => {
    const init = wellFormed('createBiometricValidation');
    const body = { ...JSON.parse(String(init.body)), type: 'selfie' };
    const res = await fetch(`${baseUrl()}/v2/biometric-validations`, { ...init, body: JSON.stringify(body) });
    expect(res.status).toBe(400);
    const error: Json = await res.json();
    expect(error.details).toEqual([
      { path: '/body/type', message: expect.stringMatching(/^must be equal to one of the allowed values/) },
    ]);
    expect(error.message).toContain('body/type must be equal to one of the allowed values');
    expect(error.requestId).toBe(res.headers.get('x-request-id'));
  });

  it('answers malformed JSON with the documented 400 and keeps serving', async () => {
    const init = wellFormed('createBiometricValidation');
    const res = await fetch(`${baseUrl()}/v2/biometric-validations`, { ...init, body: '{"project":' });
    expect(res.status).toBe(400);
    const error: Json = await res.json();
    expect(error.code).toBe('INVALID_REQUEST');
    expect(error.details).toEqual([{ path: '/body', message: expect.stringMatching(/^is not valid JSON/) }]);
    // Prism itself crashes and restarts on such a body; the next request must still be answered.
    const next = await fetch(`${baseUrl()}/v2/biometric-validations`, init);
    expect(next.status).toBe(200);
  });

  it('answers 400 even when a success was asked for', async () => {
    const res = await fetch(`${baseUrl()}/v2/biometric-validations/validate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer t', prefer: 'code=200' },
      body: JSON.stringify({ picture: 'x' }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as Json).details).toContainEqual({
      path: '/body/image',
      message: "must have required property 'image'",
    });
  });

  it.each(
    operations(spec)
      .filter(({ op }) => op.security?.length && !anonymous(op))
      .map((o) => [o.operationId, o] as const),
  )('%s answers the documented 401 without a token', async (_, { operationId, path, op }) => {
    const init = wellFormed(operationId);
    delete (init.headers as Record<string, string>).authorization;
    const res = await fetch(`${baseUrl()}${path}`, init);
    expect(res.status).toBe(401);
    const media = resolveRef(spec, op.responses['401']).content['application/json'];
    const examples = Object.values<Json>(media.examples).map((e) => resolveRef(spec, e).value);
    expect(examples).toContainEqual(await res.json());
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });
});

describe('CORS', () => {
  it('allows a page on another local port to send Authorization and Prefer', async () => {
    const origin = 'http://127.0.0.1:4000';
    const preflight = await fetch(`${baseUrl()}/v2/biometric-validations`, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,prefer,content-type',
      },
    });
    expect(preflight.status).toBeLessThan(300);
    expect(preflight.headers.get('access-control-allow-origin')).toMatch(new RegExp(`^(\\*|${origin})$`));
    const allowed = (preflight.headers.get('access-control-allow-headers') ?? '').toLowerCase();
    for (const h of ['authorization', 'prefer', 'content-type'])
      expect(allowed === '*' || allowed.includes(h)).toBe(true);
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');

    const res = await fetch(
      `${baseUrl()}/v2/biometric-validations`,
      wellFormed('createBiometricValidation', { origin }),
    );
    expect(res.headers.get('access-control-allow-origin')).toBeTruthy();
  });
});
