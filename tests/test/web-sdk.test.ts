import { describe, expect, inject, it } from 'vitest';
import { ownProject, unique } from '../src/fixtures.js';
import { type Call, type CallResult, call } from '../src/http.js';
import { faces } from '../src/images.js';

/**
 * Verifik's web SDK (Open-Verifik/web-sdk), its passwordless login and its KYC onboarding, replayed
 * request by request: the bodies as its services build them (`passwordless.service.ts`,
 * `kyc.service.ts`, the sign-up, confirmation, KYC and liveness components), the token it keeps in
 * `localStorage.accessToken` on each call, and each answer checked for the fields it reads next.
 * On the mock the answers are the spec's examples; on the server, a real face onboards, then logs in.
 */

/** The browser's origin: the SDK served by `ng serve`. */
const ORIGIN = 'http://localhost:4200';
/** What the SDK's location lookup adds to its bodies. */
const location = {
  city: 'Bogotá',
  country: 'Colombia',
  countryCode: '+57',
  os: 'Linux x86_64',
  type: 'browser',
};
/** `DemoService.generateUniqueId().hash`: a 32-bit hash of the browser's user agent and screen. */
const deviceHash = '-1423597185';
/** The SDK sends the canvas JPEG without its `data:` prefix. */
const bare = (dataUri: string) => dataUri.replace(/^data:.*;base64,/, '');

interface Target {
  base: string;
  project: string;
  /** The image the SDK's camera would capture, for onboarding and then for login. */
  onboardingImage: string;
  loginImage: string;
}

/** One SDK request: the answer must be a documented 200 with what the SDK reads next. */
async function step(t: Target, accessToken: string | undefined, c: Omit<Call, 'token' | 'headers'>) {
  const res: CallResult = await call(t.base, {
    ...c,
    ...(accessToken ? { token: accessToken } : {}),
    headers: { origin: ORIGIN },
  });
  expect(res.violations, `${c.operationId}: ${res.text.slice(0, 300)}`).toEqual([]);
  expect(res.status, `${c.operationId}: ${res.text.slice(0, 300)}`).toBe(200);
  return res.json;
}

/** `PasswordlessService.requestProject` and `ProjectModel`'s pick of the current flow of a type. */
async function currentFlow(t: Target, type: 'login' | 'onboarding') {
  const project = await step(t, undefined, { operationId: 'getProjectSettings', query: { id: t.project } });
  expect(project.data._id).toEqual(expect.any(String));
  const flows: any[] = project.data.projectFlows;
  const flow = flows.find((f) => f.status === 'active' && f.type === type);
  expect(flow, `an active ${type} flow`).toBeDefined();
  expect(flow.redirectUrl).toEqual(expect.any(String));
  return { projectId: project.data._id as string, flow };
}

async function onboarding(t: Target) {
  // Sign-up page: the project, the sign-up form of its onboarding flow, then the registration.
  const { projectId, flow } = await currentFlow(t, 'onboarding');
  const form = flow.onboardingSettings.signUpForm;
  expect(form.fullName).toBe(true);
  expect(Array.isArray(form.extraFields)).toBe(true);
  // `SignUpComponent.initForm`: only the fields the flow's sign-up form asks for.
  const signUp = {
    fullName: 'Ada Lovelace',
    ...(form.email ? { email: `${unique('ada')}@example.com` } : {}),
    ...(form.phone ? { countryCode: '+1', phone: '5551234567' } : {}),
    ...(form.showTermsAndConditions || form.showPrivacyNotice ? { agreements: true } : {}),
  };
  const created = await step(t, undefined, {
    operationId: 'createAppRegistration',
    body: { project: projectId, projectFlow: flow._id, language: 'en', location, ...signUp },
  });
  const appRegistration = created.data.appRegistration;
  let accessToken: string = created.data.token;
  expect([appRegistration._id, accessToken]).toEqual([expect.any(String), expect.any(String)]);

  // Confirmation page (`/confirmation-required/<id>?token=`): the registration with its flow.
  const me = await step(t, accessToken, {
    operationId: 'readOwnAppRegistration',
    body: {
      populates: ['project', 'projectFlow', 'emailValidation', 'phoneValidation', 'informationValidation'],
    },
  });
  const settings = me.data.projectFlow.onboardingSettings;
  expect(me.data.project._id).toEqual(expect.any(String));
  expect(settings.steps).toMatchObject({ liveness: expect.any(String), document: expect.any(String) });
  // No one-time code to wait for: the SDK goes straight to its sync.
  expect(settings.signUpForm.emailGateway).not.toBe('mailgun');
  expect(['whatsapp', 'sms', 'both']).not.toContain(settings.signUpForm.phoneGateway);
  await step(t, accessToken, {
    operationId: 'syncAppRegistration',
    params: { id: appRegistration._id },
    body: { step: 'signUpForm', status: 'ONGOING' },
  });
  const started = await step(t, accessToken, {
    operationId: 'syncAppRegistration',
    params: { id: appRegistration._id },
    body: { step: 'instructions', status: 'ONGOING' },
  });
  accessToken = started.data.token;
  expect(accessToken).toEqual(expect.any(String));

  // KYC page (`/kyc?token=`): the registration again, every step's record asked for. It goes back
  // to the confirmation page while a sign-up field it asked for has no validation record.
  const kyc = await step(t, accessToken, {
    operationId: 'readOwnAppRegistration',
    body: {
      populates: [
        'project',
        'projectFlow',
        'emailValidation',
        'phoneValidation',
        'biometricValidation',
        'person',
        'documentValidation',
        'compareFaceVerification',
        'face',
        'documentFace',
        'informationValidation',
      ],
    },
  });
  expect(kyc.data.projectFlow.onboardingSettings.liveness.livenessMinScore).toEqual(expect.any(Number));
  expect(kyc.data.projectFlow.onboardingSettings.steps.liveness).toBe('mandatory');
  const kycForm = kyc.data.projectFlow.onboardingSettings.signUpForm;
  expect(kycForm.phone && !kyc.data.phoneValidation).toBeFalsy();
  expect(kycForm.email && !kyc.data.emailValidation).toBeFalsy();

  // Liveness step: one image (passive liveness), then "do it again", then again with `force`.
  const face = { image: bare(t.onboardingImage), os: 'DESKTOP' };
  const enrolled = await step(t, accessToken, {
    operationId: 'createAppRegistrationBiometricValidation',
    body: { ...face, force: false },
  });
  expect(enrolled.data.person).toEqual(expect.any(String));
  expect(enrolled.data.biometricValidation).toMatchObject({
    _id: expect.any(String),
    livenessScore: expect.any(Number),
  });
  await step(t, accessToken, {
    operationId: 'deleteBiometricValidation',
    params: { id: enrolled.data.biometricValidation._id },
  });
  const again = await step(t, accessToken, {
    operationId: 'createAppRegistrationBiometricValidation',
    body: { ...face, force: true },
  });
  expect(again.data.biometricValidation.livenessScore).toEqual(expect.any(Number));

  // End page: the status it last read, and the token it appends to the flow's redirectUrl.
  const ended = await step(t, accessToken, {
    operationId: 'syncAppRegistration',
    params: { id: appRegistration._id },
    body: { step: 'end', status: kyc.data.status },
  });
  expect(ended.data.token).toEqual(expect.any(String));
  return { person: again.data.person as string };
}

async function login(t: Target) {
  const { projectId, flow } = await currentFlow(t, 'login');
  expect(flow.loginSettings).toMatchObject({ email: expect.any(Boolean), phone: expect.any(Boolean) });
  // `BiometricsLoginComponent._generateSession`: no accessToken yet, so no Authorization header.
  const session = await step(t, undefined, {
    operationId: 'createBiometricValidation',
    body: { identifier: deviceHash, type: 'login', location, projectFlow: flow._id, project: projectId },
  });
  expect(session.data.token).toEqual(expect.any(String));
  // `validateBiometrics` with the session token in accessToken.
  const done = await step(t, session.data.token, {
    operationId: 'validateBiometricValidation',
    body: { image: bare(t.loginImage), os: 'DESKTOP', location },
  });
  expect(done.data.token).toEqual(expect.any(String));
  return done.data;
}

describe("Verifik's web SDK, request by request", () => {
  it('onboards and logs in on the mock', async () => {
    const t = {
      base: inject('mockUrl'),
      project: '66df5bf5c4d855fb0bdf5da2',
      onboardingImage: faces.alice,
      loginImage: faces.aliceAgain,
    };
    await onboarding(t);
    await login(t);
  });

  it('onboards a real face and logs it in by the 1:N search on the server', async () => {
    const base = inject('serverUrl');
    const token = inject('demo').clientAccessToken;
    // Lenient thresholds of the test's own: liveness of these photos scores 0.5 to 0.9.
    const lenient = { livenessMinScore: 0.3, public: true, redirectUrl: `${ORIGIN}/sign-in` };
    const own = await ownProject(base, token, {
      login: { type: 'login', loginMatch: 'search', ...lenient },
      onboarding: { type: 'onboarding', ...lenient },
    });
    const allowed = await call(base, {
      operationId: 'updateProject',
      token,
      params: { id: own.project },
      body: { allowedOrigins: [ORIGIN] },
    });
    expect(allowed.status).toBe(200);
    const t = { base, project: own.project, onboardingImage: faces.alice, loginImage: faces.aliceAgain };
    const { person } = await onboarding(t);
    const result = await login(t);
    // The device hash named no one: the search found who the face is.
    expect(result).toMatchObject({ status: 'completed', person, identifier: deviceHash });
  });
});
