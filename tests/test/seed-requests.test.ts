import { describe, expect, inject, it } from 'vitest';
import { call } from '../src/http.js';
import { seedRequests } from '../src/spec.js';

// The request examples of the seed pages, replayed with only the host and token changed: the mock
// accepts every one of them and answers with the documented success.
const baseUrl = inject('mockUrl');

describe('mock: seed page requests', () => {
  it.each(seedRequests)('$source', async ({ operationId, body }) => {
    const res = await call(baseUrl, { operationId, token: 'any-bearer-token', body });
    expect(res.violations).toEqual([]);
    expect(res.status).toBe(200);
  });
});
