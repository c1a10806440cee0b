import { describe, expect, it } from 'vitest';
import {
  decideSync,
  decideUnlink,
  decideUpdate,
  ownRegistration,
} from '../../src/flows/app-registration/steps.js';
import { admitPublicStart } from '../../src/flows/public/start.js';
import type { AppRegistration, Project } from '../../src/flows/types.js';
import { judgeIdentity } from '../../src/flows/validation/attempt.js';
import { ALICE, AT, BOB, ids, NOW, PROJECT, person, projectFlow, withCollection } from './fixtures.js';

const registration = (over: Partial<AppRegistration> = {}): AppRegistration => ({
  id: 'reg-1',
  clientId: 'client',
  projectId: PROJECT,
  flowId: 'flow',
  status: 'ONGOING',
  email: 'ada@example.invalid',
  expiresAt: new Date(NOW + 3600_000).toISOString(),
  createdAt: AT,
  updatedAt: AT,
  ...over,
});

const project = (over: Partial<Project> = {}): Project => ({
  id: PROJECT,
  clientId: 'client',
  name: 'p',
  webhookSecret: 'whsec_x',
  allowedOrigins: ['https://app.example.invalid'],
  createdAt: AT,
  updatedAt: AT,
  ...over,
});

describe('the steps of an app registration', () => {
  it('reads only the registration the token names', () => {
    expect(ownRegistration(registration(), 'reg-2')).toMatchObject({ error: { status: 404 } });
    expect(ownRegistration(undefined, 'reg-1')).toMatchObject({ error: { status: 404 } });
    expect(ownRegistration(registration(), 'reg-1')).toMatchObject({ registration: { id: 'reg-1' } });
  });

  it('changes the sign-up data of an open registration only', () => {
    const d = decideUpdate(registration(), { fullName: 'Ada King', agreements: true }, NOW);
    expect(d).toMatchObject({
      next: { fullName: 'Ada King', agreements: true, email: 'ada@example.invalid' },
    });
    expect(decideUpdate(registration({ status: 'COMPLETED' }), { fullName: 'x' }, NOW)).toMatchObject({
      error: { status: 409, code: 'APP_REGISTRATION_NOT_ACTIVE' },
    });
    const expired = registration({ status: 'STARTED', expiresAt: new Date(NOW - 1).toISOString() });
    expect(decideUpdate(expired, { fullName: 'x' }, NOW)).toMatchObject({ error: { status: 409 } });
  });

  it('takes each step with its own statuses, and completes only with the face enrolled', () => {
    const r = registration({ status: 'STARTED' });
    expect(decideSync(r, { step: 'signUpForm', status: 'ONGOING' }, NOW)).toMatchObject({
      next: { status: 'ONGOING', currentStep: 'signUpForm' },
    });
    expect(decideSync(r, { step: 'end', status: 'ONGOING' }, NOW)).toMatchObject({
      error: { status: 409, code: 'LIVENESS_NOT_PASSED' },
    });
    expect(decideSync(r, { step: 'skipKYC', status: 'COMPLETED_WITHOUT_KYC' }, NOW)).toMatchObject({
      error: { code: 'LIVENESS_NOT_PASSED' },
    });
    expect(decideSync(r, { step: 'liveness', status: 'COMPLETED' }, NOW)).toMatchObject({
      error: { status: 400, code: 'STEP_STATUS_MISMATCH' },
    });
    const enrolled = registration({
      personId: ALICE,
      validationId: 'bv',
      livenessScore: 0.8,
      validatedAt: AT,
    });
    // The status the SDK last read, sent with `end`, leaves the outcome to the server.
    expect(decideSync(enrolled, { step: 'end', status: 'ONGOING' }, NOW)).toMatchObject({
      next: { status: 'COMPLETED' },
    });
    expect(decideSync(r, { step: 'end', status: 'FAILED' }, NOW)).toMatchObject({
      next: { status: 'FAILED' },
    });
    expect(
      decideSync(registration({ status: 'FAILED' }), { step: 'form', status: 'ONGOING' }, NOW),
    ).toMatchObject({
      error: { status: 409, code: 'APP_REGISTRATION_NOT_ACTIVE' },
    });
  });

  it('undoes the face step of its own enrolment validation only', () => {
    const enrolled = registration({
      personId: ALICE,
      validationId: 'bv',
      livenessScore: 0.8,
      validatedAt: AT,
    });
    const d = decideUnlink(enrolled, 'bv', NOW);
    expect('next' in d && d.next).toMatchObject({ id: 'reg-1', status: 'ONGOING' });
    expect('next' in d && d.next.personId).toBeUndefined();
    expect('next' in d && d.next.validationId).toBeUndefined();
    expect(decideUnlink(enrolled, 'other', NOW)).toMatchObject({
      error: { status: 404, code: 'BIOMETRIC_VALIDATION_NOT_FOUND' },
    });
    expect(decideUnlink({ ...enrolled, status: 'COMPLETED' }, 'bv', NOW)).toMatchObject({
      error: { status: 409 },
    });
  });
});

describe('a public start', () => {
  const flow = projectFlow({ public: true });
  const body = { project: PROJECT, projectFlow: flow.id, identifier: 'device', type: 'login' };

  it('is refused like a missing token when the flow is not public or missing', () => {
    expect(admitPublicStart('createBiometricValidation', { project: project() }, body)).toMatchObject({
      error: { status: 401, code: 'UNAUTHORIZED' },
    });
  });

  it('answers only the origins the project allows, and calls without an origin', () => {
    const s = { project: project(), flow };
    expect(
      admitPublicStart('createBiometricValidation', { ...s, origin: 'https://evil.example.invalid' }, body),
    ).toMatchObject({
      error: { status: 403, code: 'ORIGIN_NOT_ALLOWED' },
    });
    expect(
      admitPublicStart('createBiometricValidation', { ...s, origin: 'https://app.example.invalid' }, body),
    ).toMatchObject({ flow: { id: flow.id } });
    expect(admitPublicStart('createBiometricValidation', s, body)).toMatchObject({ flow: { id: flow.id } });
    expect(
      admitPublicStart(
        'createAppRegistration',
        { project: project({ allowedOrigins: undefined }), flow, origin: 'https://app.example.invalid' },
        {},
      ),
    ).toMatchObject({ error: { status: 403 } });
  });

  it('refuses what only the operator decides, and anything but a login', () => {
    const s = { project: project(), flow };
    const sent = admitPublicStart('createBiometricValidation', s, {
      ...body,
      sendViaEmail: true,
      email: 'x@y.z',
    });
    expect(sent).toMatchObject({ error: { status: 400, code: 'INVALID_REQUEST' } });
    expect('error' in sent && sent.error.details?.map((d) => d.path)).toEqual([
      '/body/sendViaEmail',
      '/body/email',
    ]);
    expect(admitPublicStart('createBiometricValidation', s, { ...body, sendViaEmail: false })).toMatchObject({
      flow: { id: flow.id },
    });
    expect(admitPublicStart('createBiometricValidation', s, { ...body, type: 'validation' })).toMatchObject({
      error: { status: 400, code: 'INVALID_PROJECT_FLOW' },
    });
  });
});

describe('a login by the 1:N search', () => {
  const login = (loginMatch?: 'search' | 'identifier') =>
    withCollection({
      type: 'login',
      identifier: 'device-hash',
      settings: {
        livenessMinScore: 0.6,
        searchMode: 'ACCURATE',
        searchMinScore: 0.9,
        maxAttempts: 3,
        retainFaceImages: false,
        livenessMode: 'passive',
        ...(loginMatch ? { loginMatch } : {}),
      },
    });
  const evidence = (score: number, enrolled?: ReturnType<typeof person>) => ({
    analysis: { ok: true } as never,
    image: '',
    candidates: [{ id: BOB, score }],
    enrolled,
  });

  it('logs in whoever the search finds above the minimum, whatever the identifier', () => {
    expect(judgeIdentity(login('search'), evidence(0.95), ids())).toMatchObject({
      passed: true,
      person: BOB,
    });
    expect(judgeIdentity(login('search'), evidence(0.85), ids())).toMatchObject({ passed: false });
  });

  it('binds the login to the identifier otherwise, as before the option existed', () => {
    expect(judgeIdentity(login('identifier'), evidence(0.95), ids())).toMatchObject({ passed: false });
    expect(judgeIdentity(login(), evidence(0.95, person(BOB, 'device-hash')), ids())).toMatchObject({
      passed: true,
      person: BOB,
    });
  });
});
