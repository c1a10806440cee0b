// Every documented (operation, status, example) of the core operations (the three of the seed pages
// and the two liveness challenges of issue 14), served by Prism and
// read through the client: the result carries the example's status, code and body exactly.

import { Contract } from '@faceproof/openapi';
import { describe, expect, inject, it } from 'vitest';
import { createFaceproofClient, type FaceproofResult } from '../src/index.js';

const contract = new Contract();
const baseUrl = inject('prismUrl');
const fp = createFaceproofClient({ baseUrl, accessToken: 'client-token', retry: false });

const core = [
  'createBiometricValidation',
  'validateBiometricValidation',
  'createAppRegistrationBiometricValidation',
  'createLivenessChallenge',
  'createAppRegistrationLivenessChallenge',
];

function requestExample(operationId: string): Record<string, unknown> {
  return contract.requestExamples(operationId).find((e) => e.mediaType === 'application/json')?.value;
}

async function callCore(operationId: string, prefer: string): Promise<FaceproofResult<never> | any> {
  const options = { headers: { Prefer: prefer } };
  const body = requestExample(operationId) as any;
  switch (operationId) {
    case 'createBiometricValidation':
      return fp.biometricValidations.create(body, options);
    case 'validateBiometricValidation':
      return fp.session('liveness-session-token').validate(body, options);
    case 'createAppRegistrationBiometricValidation':
      return fp.appRegistration('app-registration-token').validateFace(body, options);
    case 'createLivenessChallenge':
      return fp.session('liveness-session-token').challenge(options);
    case 'createAppRegistrationLivenessChallenge':
      return fp.appRegistration('app-registration-token').challenge(options);
  }
  throw new Error(`not a core operation: ${operationId}`);
}

const cases = contract
  .responseExamples()
  .filter((e) => core.includes(e.operationId) && /json/.test(e.mediaType));

describe('documented examples through the client', () => {
  it('covers every status of the core operations', () => {
    for (const id of core) {
      const statuses = Object.keys(contract.operation(id).op.responses);
      const covered = new Set(cases.filter((c) => c.operationId === id).map((c) => c.status));
      expect([...covered].sort()).toEqual(statuses.sort());
    }
    expect(cases.length).toBeGreaterThanOrEqual(40);
  });

  it.each(cases.map((c) => [`${c.operationId} ${c.status} ${c.name}`, c] as const))('%s', async (_, c) => {
    const result = await callCore(c.operationId, `code=${c.status}, example=${c.name}`);
    expect(result.status).toBe(Number(c.status));
    expect(result.response).toBeInstanceOf(Response);
    expect(typeof result.requestId).toBe('string');
    if (Number(c.status) < 400) {
      expect(result.ok).toBe(true);
      expect(result.data).toEqual(c.value);
      expect(result.error).toBeUndefined();
    } else {
      const value = c.value as { code: string };
      expect(result.ok).toBe(false);
      expect(result.code).toBe(value.code);
      expect(result.error).toEqual(value);
      expect(result.data).toBeUndefined();
    }
  });
});

describe('the login flow reads naturally', () => {
  it('creates with the client token, then validates with the session token it returned', async () => {
    const seen: Request[] = [];
    const client = createFaceproofClient({
      baseUrl,
      accessToken: 'client-token',
      fetch: (input, init) => {
        const req = new Request(input, init);
        seen.push(req.clone());
        return fetch(req);
      },
    });
    const created = await client.biometricValidations.create({
      project: '66df5bf5c4d855fb0bdf5da2',
      projectFlow: '66df5c22c4d855fb0bdf5da9',
      identifier: 'user@example.com',
      type: 'login',
    });
    if (!created.ok) throw new Error(created.code);
    const validated = await client
      .session(created.data.data.token)
      .validate({ image: new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]) });
    expect(validated.status).toBe(200);
    expect(seen.map((r) => r.headers.get('Authorization'))).toEqual([
      'Bearer client-token',
      `Bearer ${created.data.data.token}`,
    ]);
    expect(seen[0]?.headers.get('Idempotency-Key')).toMatch(/^[0-9a-f-]{36}$/);
    expect(seen[1]?.headers.get('Idempotency-Key')).toBeNull();
    const sent = (await seen[1]?.json()) as { image: string };
    expect(sent.image).toBe('data:image/jpeg;base64,/9j/4AECAw==');
    for (const r of seen) expect(r.headers.get('X-Request-Id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
