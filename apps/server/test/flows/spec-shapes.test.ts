import { Contract } from '@faceproof/openapi';
import { beforeAll, describe, expect, it } from 'vitest';
import { decideEnrolment } from '../../src/flows/app-registration/enrol.js';
import type { NewOutboxEvent } from '../../src/flows/types.js';
import { admitAttempt, decideAttempt } from '../../src/flows/validation/attempt.js';
import { seal } from '../../src/flows/validation/claims.js';
import { judgeCode } from '../../src/flows/validation/confirm-code.js';
import { presentResult } from '../../src/present.js';
import {
  AT,
  analysis,
  attemptContext,
  NOW,
  passed,
  projectFlow,
  validation,
  withCollection,
} from './fixtures.js';

// What the flows emit, checked against the spec's schemas: the webhook bodies of `webhooks:`, the
// result token's claims and the validate response. No server: the bundle and ajv only.
let contract: Contract;
beforeAll(() => {
  contract = new Contract();
});

function expectWebhookBodies(events: NewOutboxEvent[]) {
  expect(events.length).toBeGreaterThan(0);
  for (const e of events) {
    const hook = contract.webhooks.find((w) => w.path === e.eventType);
    expect(hook, `the spec declares the ${e.eventType} webhook`).toBeDefined();
    const validate = contract.compile(hook?.op.requestBody.content['application/json'].schema);
    expect(validate(e.payload), `${e.eventType}: ${JSON.stringify(validate.errors)}`).toBe(true);
  }
}

const ev = { analysis: analysis(0.93), image: 'AAEC', candidates: [] };
const webhook = { ...validation().options, requires2FA: true, email: 'a@example.invalid' };

describe('the flows’ output matches the spec', () => {
  it('validated and created-person events of an onboarding, and its response and claims', () => {
    const d = decideAttempt(withCollection({ type: 'onboarding' }), ev, attemptContext());
    const sealed = seal(passed(d), 'header.payload.signature');
    expectWebhookBodies(sealed.events);
    const body = presentResult(sealed.next.result, 'header.payload.signature');
    const response = contract.compile({ $ref: '#/components/schemas/ValidateBiometricValidationResponse' });
    expect(response(body), JSON.stringify(response.errors)).toBe(true);
    const claims = contract.compile({ $ref: '#/components/schemas/ResultTokenClaims' });
    const registered = {
      iss: 'faceproof',
      aud: 'faceproof:result',
      iat: 1,
      exp: 2,
      jti: '0b6e4f1c-7d2a-4c3b-9e8f-1a2b3c4d5e6f',
    };
    expect(claims({ ...d.claims, ...registered }), JSON.stringify(claims.errors)).toBe(true);
  });

  it('failed and expired events, of attempts and of 2FA codes', () => {
    expectWebhookBodies(
      decideAttempt(validation({ attempts: 2 }), { ...ev, analysis: analysis(0.1) }, attemptContext()).events,
    );
    const late = admitAttempt(validation({ expiresAt: AT }), { sid: 'session', tokenExpired: false }, NOW);
    expectWebhookBodies(late?.events ?? []);
    const waiting = decideAttempt(validation({ options: webhook }), ev, attemptContext()).next;
    const state = {
      validation: waiting,
      session: { sid: 'session', tokenExpired: false },
      now: NOW,
      maxTries: 3,
    };
    expectWebhookBodies(judgeCode(state, 3, false).events);
    expectWebhookBodies(seal(passed(judgeCode(state, 1, true)), 'header.payload.signature').events);
  });

  it('app registration events', () => {
    const registration = {
      id: '65a4f0c2e4b0a1b2c3d4e5f6',
      clientId: 'client',
      projectId: '65a4f0c2e4b0a1b2c3d4e5f7',
      flowId: '65a4f0c2e4b0a1b2c3d4e5f8',
      status: 'STARTED' as const,
      email: 'a@example.invalid',
      expiresAt: new Date(NOW + 60_000).toISOString(),
      createdAt: AT,
      updatedAt: AT,
    };
    const flow = projectFlow({ type: 'onboarding', collectionId: '65a4f0c2e4b0a1b2c3d4e5f9' });
    const d = decideEnrolment(
      { registration, flow, now: NOW },
      { image: 'AAEC', os: 'IOS', force: false },
      { analysis: analysis(0.9), candidates: [] },
      {
        collectionId: '65a4f0c2e4b0a1b2c3d4e5f9',
        templateModels: ['m'],
        newId: () => '65a4f0c2e4b0a1b2c3d4e5fa',
      },
    );
    expectWebhookBodies(d.error ? [] : d.events);
  });
});
