import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Harness, startServer } from './helpers.js';

let h: Harness;
beforeAll(async () => {
  h = await startServer({ RATE_LIMIT_MAX: '3', RATE_LIMIT_IP_MAX: '5', RATE_LIMIT_WINDOW_MS: '60000' });
});
afterAll(async () => h?.close());

it('limits each token, then answers 429 with Retry-After and RateLimit headers', async () => {
  const token = h.demo.clientAccessToken;
  for (let i = 0; i < 3; i++) {
    const ok = await h.call('GET', '/v2/projects', { token });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('ratelimit-limit')).toBe('3');
  }
  const limited = await h.call('GET', '/v2/projects', { token });
  expect(limited.status).toBe(429);
  expect(limited.body.code).toBe('RATE_LIMITED');
  expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  expect(limited.headers.get('ratelimit-remaining')).toBe('0');
  const v = await h.call('POST', '/v2/biometric-validations/validate', { token, body: { image: 'x' } });
  expect(v.body).toMatchObject({ code: 'RATE_LIMITED', message: 'RATE_LIMITED' });
});

it('limits unauthenticated callers by IP address', async () => {
  // Whatever else reached this server without a token counts too: go by what the first answer says is left.
  const first = await h.call('GET', '/healthz');
  expect(first.status).toBe(200);
  expect(first.headers.get('ratelimit-limit')).toBe('5');
  const left = Number(first.headers.get('ratelimit-remaining'));
  const statuses = [];
  for (let i = 0; i <= left; i++) statuses.push((await h.call('GET', '/healthz')).status);
  expect(statuses).toEqual([...Array(left).fill(200), 429]);
});
