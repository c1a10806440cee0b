import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataUri, fx, type Harness, startServer } from './helpers.js';

// Verifik's web SDK against this store: public starts, the registration's own steps and the login
// by the 1:N search, every record read back through the store (SQLite and PostgreSQL alike).
let h: Harness;
let token: string;
const A0 = dataUri(fx.personA[0]);
const A1 = dataUri(fx.personA[1]);
const ORIGIN = 'http://localhost:4200';
const bare = (uri: string) => uri.replace(/^data:.*;base64,/, '');

beforeAll(async () => {
  h = await startServer();
  token = h.demo.clientAccessToken;
});
afterAll(async () => h?.close());

async function made(path: string, body: Record<string, unknown>, method = 'POST') {
  const res = await h.call(method, path, { token, body });
  expect(res.status, `${method} ${path}: ${JSON.stringify(res.body)}`).toBe(200);
  return res.body.data;
}

/**
 * A project of this test's own, allowing the SDK's origin, with public login and onboarding flows;
 * passive, as the SDK sends one image and runs no challenge.
 */
async function publicProject() {
  const project = (await made('/v2/projects', { name: 'SDK', allowedOrigins: [`${ORIGIN}/`] }))._id as string;
  const collection = (await made('/v2/collections', { project, name: 'faces' }))._id as string;
  const flow = async (type: string, extra: Record<string, unknown> = {}) =>
    (
      await made('/v2/project-flows', {
        project,
        type,
        status: 'active',
        public: true,
        livenessMode: 'passive',
        assignedCollection: collection,
        ...extra,
      })
    )._id as string;
  return {
    project,
    login: await flow('login', { loginMatch: 'search' }),
    onboarding: await flow('onboarding'),
  };
}

describe("Verifik's web SDK on this store", () => {
  it('onboards through a public registration, then logs in by the 1:N search', async () => {
    const p = await publicProject();
    const settings = await h.call('GET', `/v2/projects/kyc?id=${p.project}`, {});
    expect(settings.status).toBe(200);
    expect(settings.body.data.projectFlows.map((f: { _id: string }) => f._id).sort()).toEqual(
      [p.login, p.onboarding].sort(),
    );

    const opened = await h.call('POST', '/v2/app-registrations', {
      headers: { origin: ORIGIN },
      body: {
        project: p.project,
        projectFlow: p.onboarding,
        fullName: 'Ada Lovelace',
        language: 'es',
        location: {},
      },
    });
    expect(opened.status, JSON.stringify(opened.body)).toBe(200);
    const id = opened.body.data.appRegistration._id as string;
    const reg = opened.body.data.token as string;

    const me = await h.call('GET', '/v2/app-registrations/me?populates=project&populates=projectFlow', {
      token: reg,
    });
    expect(me.status).toBe(200);
    expect(me.body.data).toMatchObject({
      fullName: 'Ada Lovelace',
      language: 'es',
      project: { _id: p.project },
    });
    expect(me.body.data.projectFlow.onboardingSettings.steps.liveness).toBe('mandatory');

    const put = (path: string, body: unknown) => h.call('PUT', path, { token: reg, body });
    expect(
      (await put(`/v2/app-registrations/${id}`, { firstName: 'Ada', extraFields: { team: 'x' } })).status,
    ).toBe(200);
    expect(
      (await put(`/v2/app-registrations/${id}/sync`, { step: 'signUpForm', status: 'ONGOING' })).status,
    ).toBe(200);

    const enrol = (force: boolean) =>
      h.call('POST', '/v2/biometric-validations/app-registration', {
        token: reg,
        body: { image: bare(A0), os: 'DESKTOP', force },
      });
    const first = await enrol(false);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    const bv = first.body.data.biometricValidation;
    expect(bv).toMatchObject({ status: 'validated', livenessScore: expect.any(Number) });

    const read = await h.call('POST', '/v2/app-registrations/me', {
      token: reg,
      body: { populates: ['biometricValidation', 'person'] },
    });
    expect(read.body.data).toMatchObject({
      firstName: 'Ada',
      extraFields: { team: 'x' },
      currentStep: 'signUpForm',
      biometricValidation: { _id: bv._id, livenessScore: bv.livenessScore },
      person: { _id: first.body.data.person },
    });

    expect((await h.call('DELETE', `/v2/biometric-validations/${bv._id}`, { token: reg })).status).toBe(200);
    expect((await enrol(false)).body.code).toBe('person_already_set');
    const again = await enrol(true);
    expect(again.status).toBe(200);
    expect(again.body.data.person).toBe(first.body.data.person);
    const ended = await put(`/v2/app-registrations/${id}/sync`, { step: 'end', status: 'ONGOING' });
    expect(ended.body.data).toMatchObject({ status: 'COMPLETED', appRegistrationId: id });
    const stored = await h.call('GET', `/v2/app-registrations/${id}`, { token });
    expect(stored.body.data).toMatchObject({
      status: 'COMPLETED',
      person: first.body.data.person,
      currentStep: 'end',
    });

    const session = await h.call('POST', '/v2/biometric-validations', {
      headers: { origin: ORIGIN },
      body: { project: p.project, projectFlow: p.login, identifier: '-1423597185', type: 'login' },
    });
    expect(session.status, JSON.stringify(session.body)).toBe(200);
    const login = await h.call('POST', '/v2/biometric-validations/validate', {
      token: session.body.data.token,
      body: { image: bare(A1), os: 'DESKTOP' },
    });
    expect(login.status, JSON.stringify(login.body)).toBe(200);
    expect(login.body.data).toMatchObject({ status: 'completed', person: first.body.data.person });
  });

  it('keeps private flows and other origins out of public starts', async () => {
    const p = await publicProject();
    const privateFlow = await made('/v2/project-flows', {
      project: p.project,
      type: 'login',
      status: 'active',
    });
    const start = (flow: string, origin?: string) =>
      h.call('POST', '/v2/biometric-validations', {
        headers: origin ? { origin } : {},
        body: { project: p.project, projectFlow: flow, identifier: 'device', type: 'login' },
      });
    expect((await start(privateFlow._id)).status).toBe(401);
    expect((await start(p.login, 'https://evil.example.invalid')).body.code).toBe('ORIGIN_NOT_ALLOWED');
    expect((await start(p.login)).status).toBe(200);
    expect((await h.call('GET', `/v2/projects/kyc?id=${h.demo.project}`, {})).status).toBe(200);
  });
});
