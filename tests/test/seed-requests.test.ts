import { describe, expect, inject, it } from 'vitest';
import { call } from '../src/http.js';
import { tokenFor } from '../src/sessions.js';
import { seedRequests } from '../src/spec.js';

// The request examples of the seed pages, replayed with only the host and token changed.
describe('seed page requests', () => {
  it.each(seedRequests)('mock accepts $source', async ({ operationId, body }) => {
    const res = await call(inject('mockUrl'), { operationId, token: 'any-bearer-token', body });
    expect(res.violations).toEqual([]);
    expect(res.status).toBe(200);
  });

  // On the real server the seed pages' ids name nothing and their images are truncated, so each
  // gets the documented error that says exactly that.
  const expected: Record<string, [number, string]> = {
    createBiometricValidation: [404, 'PROJECT_NOT_FOUND'],
    validateBiometricValidation: [400, 'INVALID_BIOMETRIC_DATA'],
    createAppRegistrationBiometricValidation: [400, 'invalid_image'],
  };
  it.each(seedRequests)('server answers $source as documented', async ({ operationId, body }) => {
    const base = inject('serverUrl');
    const token = await tokenFor(operationId, base, inject('demo'));
    const res = await call(base, { operationId, token, body });
    expect(res.violations).toEqual([]);
    expect([res.status, res.json.code]).toEqual(expected[operationId]);
  });
});
