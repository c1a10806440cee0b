import { describe, expect, inject, it } from 'vitest';
import type { Coverage } from '../src/coverage.js';
import { call } from '../src/http.js';
import { documentedResponses, operation, requestExamples } from '../src/spec.js';

export function mockScenarios(coverage: Coverage) {
  // The mock half of the contract: every documented response of every operation, on demand, is
  // exactly the spec's named example, and a spec-breaking request gets the documented error.
  const baseUrl = inject('mockUrl');

  function validRequest(operationId: string) {
    const { path } = operation(operationId);
    const params = Object.fromEntries(
      [...path.matchAll(/\{([^}]+)\}/g)].map(([, name]) => [name, '66e3244369cd15b505d21065']),
    );
    // Required query parameters take their schema's first example.
    const query = Object.fromEntries(
      operation(operationId)
        .parameters.filter((p: any) => p.in === 'query' && p.required)
        .map((p: any) => [p.name, String(p.schema?.examples?.[0] ?? 'x')]),
    );
    return {
      operationId,
      params,
      query,
      token: 'any-bearer-token',
      body: requestExamples(operationId)[0]?.value,
    };
  }

  const cases = documentedResponses().flatMap((r) => r.examples.map((ex) => ({ ...r, example: ex })));

  describe('mock: every documented example on demand', () => {
    it.each(cases)('$operationId $status $example.name', async ({ operationId, status, example }) => {
      const res = await call(baseUrl, {
        ...validRequest(operationId),
        headers: { prefer: `code=${status}, example=${example.name}` },
      });
      coverage.record('mock', operationId, res.status);
      expect(res.violations).toEqual([]);
      expect(res.status).toBe(Number(status));
      expect(res.json).toEqual(example.value);
    });
  });

  describe('mock: spec-breaking requests', () => {
    it('answers a body that breaks the schema with the documented 400 and its violations', async () => {
      const res = await call(baseUrl, {
        ...validRequest('createBiometricValidation'),
        body: { project: 'p', type: 'selfie' },
      });
      coverage.record('mock', 'createBiometricValidation', res.status);
      expect(res.violations).toEqual([]);
      expect(res.status).toBe(400);
      expect(res.json.code).toBe('INVALID_REQUEST');
      expect(JSON.stringify(res.json.details ?? res.headers.get('sl-violations'))).toMatch(/type|identifier/);
    });

    it('answers a request without a bearer token with the documented 401', async () => {
      const { token: _token, ...noToken } = validRequest('validateBiometricValidation');
      const res = await call(baseUrl, noToken);
      coverage.record('mock', 'validateBiometricValidation', res.status);
      expect(res.violations).toEqual([]);
      expect(res.status).toBe(401);
    });
  });
}
