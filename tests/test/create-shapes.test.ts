import { describe, expect, inject, it } from 'vitest';
import { call } from '../src/http.js';
import { requestExamples } from '../src/spec.js';

// Seed 002 reads the created validation nested (`data.biometricValidation`, `data.token`), seed 004
// flat (`data._id`, `data.status`, ...): one body answers both.
function expectBothShapes(data: any) {
  const { biometricValidation, livenessSession, token, ...flat } = data;
  expect(typeof token).toBe('string');
  expect(livenessSession._id).toBe(biometricValidation.livenessSession);
  const { livenessSession: _id, ...nestedWithoutSession } = biometricValidation;
  expect(flat).toEqual(nestedWithoutSession);
  expect(flat).toMatchObject({ _id: expect.any(String), status: 'new', project: expect.any(String) });
}

describe('create biometric validation answers both documented shapes', () => {
  it('on the mock', async () => {
    const res = await call(inject('mockUrl'), {
      operationId: 'createBiometricValidation',
      token: 'any-bearer-token',
      body: requestExamples('createBiometricValidation')[0]?.value,
    });
    expect([res.status, res.violations]).toEqual([200, []]);
    expectBothShapes(res.json.data);
  });

  it('on the server', async () => {
    const demo = inject('demo');
    const res = await call(inject('serverUrl'), {
      operationId: 'createBiometricValidation',
      token: demo.clientAccessToken,
      body: { project: demo.project, projectFlow: demo.loginFlow, identifier: 'shapes', type: 'login' },
    });
    expect([res.status, res.violations]).toEqual([200, []]);
    expectBothShapes(res.json.data);
  });
});
