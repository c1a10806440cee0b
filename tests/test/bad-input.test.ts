import fc from 'fast-check';
import { describe, expect, inject, it } from 'vitest';
import { badRequests, FUZZ_RUNS, FUZZ_SEED } from '../src/bad-input.js';
import { call } from '../src/http.js';
import { operations, requestExamples } from '../src/spec.js';

// Requests broken in one way each, generated from the request schemas: the mock must answer every
// one with a documented 4xx in the error envelope. The mock does not look inside images, so image
// mutations are left to the real server's campaign.
const baseUrl = inject('mockUrl');
const withBody = operations.filter((o) => o.op.requestBody).map((o) => o.operationId);

describe('mock: bad input gets a documented 4xx', () => {
  it.each(withBody)('%s', async (operationId) => {
    await fc.assert(
      fc.asyncProperty(badRequests(operationId, { images: false }), async (bad) => {
        const res = await call(baseUrl, {
          operationId,
          params: { id: '66e3244369cd15b505d21065' },
          token: 'any-bearer-token',
          ...bad,
        });
        expect(res.violations, bad.kind).toEqual([]);
        expect(res.status, bad.kind).toBeGreaterThanOrEqual(400);
        expect(res.status, bad.kind).toBeLessThan(500);
      }),
      { numRuns: FUZZ_RUNS, seed: FUZZ_SEED },
    );
  });

  it.each(withBody)('%s without a bearer token', async (operationId) => {
    const res = await call(baseUrl, {
      operationId,
      params: { id: '66e3244369cd15b505d21065' },
      body: requestExamples(operationId)[0]?.value,
    });
    expect(res.violations).toEqual([]);
    expect(res.status).toBe(401);
  });
});
