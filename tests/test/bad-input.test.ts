import fc from 'fast-check';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { badRequests, FUZZ_RUNS, FUZZ_SEED } from '../src/bad-input.js';
import { call } from '../src/http.js';
import { signWithServerKey } from '../src/server-target.js';
import { tokenFor } from '../src/sessions.js';
import { operations, requestExamples } from '../src/spec.js';

// Requests broken in one way each, generated from the request schemas and mutated: every one gets a
// documented 4xx in the error envelope, never a 5xx or a hang. The campaign size is FUZZ_RUNS per
// operation; a failure prints the seed to replay it with FUZZ_SEED.
const withBody = operations.filter((o) => o.op.requestBody).map((o) => o.operationId);
const params = { id: '66e3244369cd15b505d21065' };

async function campaign(baseUrl: string, operationId: string, token: () => Promise<string>, images: boolean) {
  await fc.assert(
    fc.asyncProperty(badRequests(operationId, { images }), async (bad) => {
      const res = await call(baseUrl, { operationId, params, token: await token(), ...bad });
      expect(res.violations, bad.kind).toEqual([]);
      expect(res.status, `${bad.kind}: ${res.text.slice(0, 200)}`).toBeGreaterThanOrEqual(400);
      expect(res.status, bad.kind).toBeLessThan(500);
    }),
    { numRuns: FUZZ_RUNS, seed: FUZZ_SEED },
  );
}

describe('bad input on the mock', () => {
  // The mock does not look inside images, so image mutations are the real server's.
  it.each(withBody)('%s', (operationId) =>
    campaign(inject('mockUrl'), operationId, async () => 'any-bearer-token', false),
  );

  it.each(withBody)('%s without a bearer token', async (operationId) => {
    const res = await call(inject('mockUrl'), {
      operationId,
      params,
      body: requestExamples(operationId)[0]?.value,
    });
    expect(res.violations).toEqual([]);
    // A public start (security `{}` besides the client token) is served without one.
    const { op } = operations.find((o) => o.operationId === operationId) ?? { op: {} };
    const anonymous = (op.security ?? []).some((s: object) => Object.keys(s).length === 0);
    expect(res.status).toBe(anonymous ? 200 : 401);
  });
});

describe('bad input on the real server', () => {
  const base = inject('serverUrl');
  const demo = inject('demo');
  let before: { projects: unknown; health: number };

  beforeAll(async () => {
    const projects = await call(base, {
      operationId: 'getProject',
      token: demo.clientAccessToken,
      params: { id: demo.project },
    });
    before = { projects: projects.json, health: (await call(base, { operationId: 'getHealth' })).status };
  });

  // After every test (whatever ran before it): still healthy, and the data is kept.
  afterEach(async () => {
    expect((await call(base, { operationId: 'getHealth' })).status).toBe(before.health);
    expect((await call(base, { operationId: 'getReadiness' })).status).toBe(200);
    const projects = await call(base, {
      operationId: 'getProject',
      token: demo.clientAccessToken,
      params: { id: demo.project },
    });
    expect(projects.json).toEqual(before.projects);
  });

  it.each(withBody)('%s', async (operationId) => {
    // Attempts use sessions up, so each request of the image operations gets a fresh token.
    const fresh =
      operationId === 'validateBiometricValidation' ||
      operationId === 'createAppRegistrationBiometricValidation';
    const shared = await tokenFor(operationId, base, demo);
    await campaign(
      base,
      operationId,
      () => (fresh ? tokenFor(operationId, base, demo) : Promise.resolve(shared)),
      true,
    );
  });

  it('refuses every kind of bad token with 401 or 403', async () => {
    const body = { project: demo.project, projectFlow: demo.loginFlow, identifier: 'x', type: 'login' };
    const past = new Date(Date.now() - 60_000);
    const expired = await signWithServerKey(inject('serverDataDir'), 'client', { sub: demo.client }, past);
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const foreign = await new SignJWT({ sub: demo.client })
      .setProtectedHeader({ alg: 'ES256', kid: (await exportJWK(privateKey)).x ?? 'foreign' })
      .setIssuer('faceproof')
      .setAudience('faceproof:client')
      .setExpirationTime('1h')
      .sign(privateKey);
    const [head, payload] = demo.clientAccessToken.split('.');
    const unsigned = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${payload}.`;
    const tampered = `${head}.${Buffer.from(JSON.stringify({ sub: demo.client, aud: 'faceproof:client', iss: 'faceproof', exp: 9e9 })).toString('base64url')}.${demo.clientAccessToken.split('.')[2]}`;
    const cases: [string, string | undefined, number][] = [
      ['missing', undefined, 401],
      ['not a JWT', 'not-a-jwt', 401],
      ['expired', expired, 401],
      ['signed with another key', foreign, 401],
      ['alg none', unsigned, 401],
      ['tampered', tampered, 401],
      ['another kind', demo.appRegistrationToken, 403],
    ];
    for (const [kind, token, status] of cases) {
      const res = await call(base, { operationId: 'createBiometricValidation', token, body });
      expect(res.violations, kind).toEqual([]);
      expect(res.status, kind).toBe(status);
    }
    const basic = await call(base, {
      operationId: 'createBiometricValidation',
      body,
      headers: { authorization: 'Basic dXNlcjpwYXNz' },
    });
    expect(basic.status).toBe(401);
  });
});
