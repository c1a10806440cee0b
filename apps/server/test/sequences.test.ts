import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataUri, fx, type Harness, ownFlows, startServer, unique } from './helpers.js';

// Request sequences that once answered 500 and left state stuck (issue 15), on both stores.
let h: Harness;
let token: string;
const A0 = dataUri(fx.personA[0]);

beforeAll(async () => {
  h = await startServer();
  token = h.demo.clientAccessToken;
});
afterAll(async () => h?.close());

const validate = (sessionToken: string, image: string) =>
  h.call('POST', '/v2/biometric-validations/validate', { token: sessionToken, body: { image } });

/** The next 23:59:60 UTC at least a day ahead, within the 7 days an expiry may reach. */
function leapSecondAhead(): string {
  const day = new Date(Date.now() + 2 * 24 * 3600_000).toISOString().slice(0, 10);
  return `${day}T23:59:60Z`;
}

describe('an expiry with a leap second', () => {
  it('is accepted as the last millisecond of its minute, and the validation completes', async () => {
    const flows = await ownFlows(h);
    const expiresAt = leapSecondAhead();
    const res = await h.call('POST', '/v2/biometric-validations', {
      token,
      body: {
        project: h.demo.project,
        projectFlow: flows.onboardingFlow,
        identifier: unique('leap'),
        type: 'onboarding',
        expiresAt,
      },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data.biometricValidation.expiresAt).toBe(expiresAt.replace(':60Z', ':59.999Z'));
    const done = await validate(res.body.data.token, A0);
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(done.body.data.status).toBe('completed');
  });
});
