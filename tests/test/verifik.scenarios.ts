import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Coverage } from '../src/coverage.js';
import { onboard, ownProject, unique } from '../src/fixtures.js';
import { type Call, type CallResult, call, expectAnswer } from '../src/http.js';
import { faces } from '../src/images.js';
import {
  demo as demoOf,
  type ServerTarget,
  signWithServerKey,
  startServer,
  updateRecord,
} from '../src/server-target.js';

/**
 * The server half of the contract for the operations Verifik's web SDK uses around an app
 * registration (its own `/me`, update, sync, undoing the face step) and the app-login start.
 */
export function verifikScenarios(coverage: Coverage) {
  const base = inject('serverUrl');
  const dataDir = inject('serverDataDir');
  const token = inject('demo').clientAccessToken;
  const hit = (c: Call, status: number, code?: string): Promise<CallResult> =>
    expectAnswer(base, c, status, code, (res) => coverage.record('server', c.operationId, res.status));
  const lenient = { livenessMinScore: 0.3 };

  async function registration() {
    const own = await ownProject(base, token, { onboarding: { type: 'onboarding', ...lenient } });
    const email = `${unique('sdk')}@example.com`;
    const res = await hit(
      {
        operationId: 'createAppRegistration',
        token,
        body: {
          project: own.project,
          projectFlow: own.flows.onboarding,
          language: 'es',
          firstName: 'Ada',
          lastName: 'Lovelace',
          email,
          countryCode: '+44',
          phone: '2071234567',
          agreements: true,
          extraFields: { company: 'Analytical Engines' },
          location: { city: 'London' },
        },
      },
      200,
    );
    const reg = res.json.data.appRegistration;
    expect(reg).toMatchObject({
      email,
      phone: '2071234567',
      firstName: 'Ada',
      language: 'es',
      agreements: true,
    });
    return { ...own, id: reg._id as string, token: res.json.data.token as string, email };
  }

  const enrol = (registrationToken: string) =>
    hit(
      {
        operationId: 'createAppRegistrationBiometricValidation',
        token: registrationToken,
        body: { image: faces.carol, os: 'DESKTOP' },
      },
      200,
    );

  const sync = (
    r: { id: string; token: string },
    step: string,
    status: string,
    expected = 200,
    code?: string,
  ) =>
    hit(
      { operationId: 'syncAppRegistration', token: r.token, params: { id: r.id }, body: { step, status } },
      expected,
      code,
    );

  describe('server: an app registration as Verifik documents it', () => {
    it('reads its own registration with populated references, by GET and POST', async () => {
      const r = await registration();
      const got = await hit(
        {
          operationId: 'getOwnAppRegistration',
          token: r.token,
          query: { populates: 'project', 'populates[]': 'projectFlow' },
        },
        200,
      );
      expect(got.json.data.project).toMatchObject({ _id: r.project, name: expect.any(String) });
      expect(got.json.data.projectFlow.onboardingSettings.steps.liveness).toBe('mandatory');
      expect(got.json.data.projectFlow).not.toHaveProperty('webhookUrl');
      const read = await hit(
        {
          operationId: 'readOwnAppRegistration',
          token: r.token,
          body: { populates: ['biometricValidation', 'person', 'emailValidation'] },
        },
        200,
      );
      expect(read.json.data).toMatchObject({ _id: r.id, biometricValidation: null, person: null });
      expect(read.json.data.project).toBe(r.project);
      await hit(
        {
          operationId: 'getOwnAppRegistration',
          token: r.token,
          query: { populates: 'x'.repeat(65) },
        },
        400,
        'invalid_request',
      );
    });

    it('answers 404 for a registration that no longer exists', async () => {
      const gone = await signWithServerKey(
        dataDir,
        'app-registration',
        { sub: '0123456789abcdef01234567', project: '0123456789abcdef01234568' },
        new Date(Date.now() + 600_000),
      );
      await hit({ operationId: 'getOwnAppRegistration', token: gone }, 404, 'appRegistration_not_found');
      await hit(
        { operationId: 'readOwnAppRegistration', token: gone, body: {} },
        404,
        'appRegistration_not_found',
      );
    });

    it('updates, enrols, undoes and redoes the face, and ends with a sync', async () => {
      const r = await registration();
      const updated = await hit(
        {
          operationId: 'updateAppRegistration',
          token: r.token,
          params: { id: r.id },
          body: { fullName: 'Ada King', replacePhone: true },
        },
        200,
      );
      expect(updated.json.data.fullName).toBe('Ada King');
      await sync(r, 'signUpForm', 'ONGOING');
      await sync(r, 'liveness', 'COMPLETED', 400, 'step_status_mismatch');
      await sync(r, 'end', 'COMPLETED', 409, 'liveness_not_passed');

      const enrolled = await enrol(r.token);
      const bv = enrolled.json.data.biometricValidation;
      expect(bv).toMatchObject({
        _id: expect.any(String),
        status: 'validated',
        livenessScore: expect.any(Number),
      });
      expect(enrolled.json.data.person).toEqual(expect.any(String));

      await hit({ operationId: 'deleteBiometricValidation', token: r.token, params: { id: bv._id } }, 200);
      const after = await hit(
        {
          operationId: 'readOwnAppRegistration',
          token: r.token,
          body: { populates: ['biometricValidation'] },
        },
        200,
      );
      expect(after.json.data.biometricValidation).toBeNull();
      // The person is still enrolled: the same face again needs `force`.
      await hit(
        {
          operationId: 'createAppRegistrationBiometricValidation',
          token: r.token,
          body: { image: faces.carol, os: 'DESKTOP' },
        },
        409,
        'person_already_set',
      );
      await hit(
        {
          operationId: 'createAppRegistrationBiometricValidation',
          token: r.token,
          body: { image: faces.carol, os: 'DESKTOP', force: true },
        },
        200,
      );
      const ended = await sync(r, 'end', 'COMPLETED');
      expect(ended.json.data).toMatchObject({ appRegistrationId: r.id, status: 'COMPLETED', step: 'end' });
      expect(ended.json.data.token).toEqual(expect.any(String));

      // Final: nothing changes any more.
      await sync(r, 'liveness', 'ONGOING', 409, 'appRegistration_not_active');
      await hit(
        {
          operationId: 'updateAppRegistration',
          token: r.token,
          params: { id: r.id },
          body: { language: 'en' },
        },
        409,
        'appRegistration_not_active',
      );
      const bvNow = (
        await hit(
          {
            operationId: 'readOwnAppRegistration',
            token: r.token,
            body: { populates: ['biometricValidation'] },
          },
          200,
        )
      ).json.data.biometricValidation;
      await hit(
        { operationId: 'deleteBiometricValidation', token: r.token, params: { id: bvNow._id } },
        409,
        'appRegistration_not_active',
      );
    });

    it("never reads or changes another registration's records", async () => {
      const mine = await registration();
      const theirs = await registration();
      await hit(
        {
          operationId: 'updateAppRegistration',
          token: mine.token,
          params: { id: theirs.id },
          body: { fullName: 'Mallory' },
        },
        404,
        'appRegistration_not_found',
      );
      await sync(
        { id: theirs.id, token: mine.token },
        'signUpForm',
        'ONGOING',
        404,
        'appRegistration_not_found',
      );
      const enrolled = await enrol(theirs.token);
      await hit(
        {
          operationId: 'deleteBiometricValidation',
          token: mine.token,
          params: { id: enrolled.json.data.biometricValidation._id },
        },
        404,
        'biometric_validation_not_found',
      );
      // A registration closed by its operator refuses the sync too.
      updateRecord(dataDir, 'app_registrations', mine.id, 'status', 'FAILED');
      await sync(mine, 'signUpForm', 'ONGOING', 409, 'appRegistration_not_active');
    });
  });

  describe('server: the app-login start', () => {
    it('binds a login to the identifier a first factor named, whatever the flow matches by', async () => {
      const own = await ownProject(base, token, {
        onboarding: { type: 'onboarding', ...lenient },
        login: { type: 'login', loginMatch: 'search', ...lenient },
      });
      const alice = unique('alice');
      await onboard(base, token, { project: own.project, flow: own.flows.onboarding }, alice, faces.alice);
      const start = (identifier: string) => ({
        operationId: 'createAppLoginBiometricValidation',
        token,
        body: { project: own.project, projectFlow: own.flows.login, identifier, type: 'login' },
      });
      const asAlice = await hit(start(alice), 200);
      const passed = await hit(
        {
          operationId: 'validateBiometricValidation',
          token: asAlice.json.data.token,
          body: { image: faces.aliceAgain, os: 'DESKTOP' },
        },
        200,
      );
      expect(passed.json.data.status).toBe('completed');
      // Alice's face under somebody else's identifier is not a login, although the search finds her.
      const asBob = await hit(start(unique('bob')), 200);
      await hit(
        {
          operationId: 'validateBiometricValidation',
          token: asBob.json.data.token,
          body: { image: faces.aliceAgain, os: 'DESKTOP' },
        },
        400,
        'IDENTITY_VERIFICATION_FAILED',
      );

      await hit(
        { ...start(alice), body: { ...start(alice).body, type: 'validation' } },
        400,
        'INVALID_REQUEST',
      );
      await hit(
        { ...start(alice), body: { ...start(alice).body, project: '0123456789abcdef01234567' } },
        404,
        'PROJECT_NOT_FOUND',
      );
      const key = { 'idempotency-key': unique('key') };
      await hit({ ...start(alice), headers: key }, 200);
      await hit({ ...start(unique('other')), headers: key }, 409, 'IDEMPOTENCY_KEY_REUSED');
    });
  });

  describe('server: public starts for browser flows', () => {
    const allowed = 'https://app.example.invalid';

    async function publicProject() {
      const own = await ownProject(base, token, {
        onboarding: { type: 'onboarding', ...lenient },
        publicLogin: { type: 'login', public: true, loginMatch: 'search', ...lenient },
        publicOnboarding: { type: 'onboarding', public: true, ...lenient },
        privateLogin: { type: 'login', ...lenient },
      });
      await hit(
        {
          operationId: 'updateProject',
          token,
          params: { id: own.project },
          body: { allowedOrigins: [allowed] },
        },
        200,
      );
      return own;
    }

    it('opens a public login without a token and finds the person by the 1:N search', async () => {
      const own = await publicProject();
      const person = await onboard(
        base,
        token,
        { project: own.project, flow: own.flows.onboarding },
        unique('alice'),
        faces.alice,
      );
      const started = await hit(
        {
          operationId: 'createBiometricValidation',
          headers: { origin: allowed },
          body: {
            project: own.project,
            projectFlow: own.flows.publicLogin,
            identifier: '-1423597',
            type: 'login',
          },
        },
        200,
      );
      const lifetime = Date.parse(started.json.data.expiresAt) - Date.parse(started.json.data.createdAt);
      expect(lifetime).toBeLessThanOrEqual(240_000);
      expect(started.headers.get('access-control-allow-origin')).toBe(allowed);
      const done = await hit(
        {
          operationId: 'validateBiometricValidation',
          token: started.json.data.token,
          body: { image: faces.aliceAgain.replace(/^data:.*;base64,/, ''), os: 'DESKTOP' },
        },
        200,
      );
      expect(done.json.data).toMatchObject({ status: 'completed', person });
    });

    it('refuses private flows, other origins and operator-only fields without a token', async () => {
      const own = await publicProject();
      const start = (
        flow: string,
        extra: Record<string, unknown> = {},
        headers: Record<string, string> = {},
      ) => ({
        operationId: 'createBiometricValidation',
        headers,
        body: { project: own.project, projectFlow: flow, identifier: 'device', type: 'login', ...extra },
      });
      await hit(start(own.flows.privateLogin), 401, 'UNAUTHORIZED');
      await hit(
        start(own.flows.publicLogin, {}, { origin: 'https://evil.example.invalid' }),
        403,
        'ORIGIN_NOT_ALLOWED',
      );
      await hit(
        start(own.flows.publicLogin, { webhookUrl: 'https://hooks.example.invalid/x' }),
        400,
        'INVALID_REQUEST',
      );
      await hit(start(own.flows.publicLogin, { type: 'validation' }), 400, 'INVALID_PROJECT_FLOW');
      await hit(
        {
          operationId: 'createAppRegistration',
          headers: { origin: 'https://evil.example.invalid' },
          body: { project: own.project, projectFlow: own.flows.publicOnboarding, email: 'x@example.com' },
        },
        403,
        'ORIGIN_NOT_ALLOWED',
      );
      const registered = await hit(
        {
          operationId: 'createAppRegistration',
          headers: { origin: allowed },
          body: {
            project: own.project,
            projectFlow: own.flows.publicOnboarding,
            email: `${unique('web')}@example.com`,
          },
        },
        200,
      );
      expect(registered.json.data.appRegistration.status).toBe('STARTED');
    });

    it("reads a project's public settings and nothing private", async () => {
      const own = await publicProject();
      const read = await hit({ operationId: 'getProjectSettings', query: { id: own.project } }, 200);
      const flows = read.json.data.projectFlows.map((f: { _id: string }) => f._id).sort();
      expect(flows).toEqual([own.flows.publicLogin, own.flows.publicOnboarding].sort());
      expect(read.json.data).not.toHaveProperty('webhookSecret');
      const privateOnly = await ownProject(base, token, { login: { type: 'login' } });
      await hit(
        { operationId: 'getProjectSettings', query: { id: privateOnly.project } },
        404,
        'PROJECT_NOT_FOUND',
      );
      await hit({ operationId: 'getProjectSettings' }, 400, 'INVALID_REQUEST');
    });

    it('answers CORS preflights for allowed origins only', async () => {
      const own = await publicProject();
      expect(own.project).toBeTruthy();
      const preflight = (origin: string) =>
        fetch(`${base}/v2/biometric-validations`, {
          method: 'OPTIONS',
          headers: {
            origin,
            'access-control-request-method': 'POST',
            'access-control-request-headers': 'content-type',
          },
        });
      // The origins are read again at most every ten seconds: poll with a deadline.
      const deadline = Date.now() + 15_000;
      let answer = await preflight(allowed);
      while (answer.headers.get('access-control-allow-origin') !== allowed && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 250));
        answer = await preflight(allowed);
      }
      expect(answer.headers.get('access-control-allow-origin')).toBe(allowed);
      expect(
        (await preflight('https://evil.example.invalid')).headers.get('access-control-allow-origin'),
      ).toBeNull();
    });
  });

  describe('server: public start limits (a second server with tiny limits)', () => {
    let strict: ServerTarget;
    beforeAll(async () => {
      strict = await startServer({ PUBLIC_START_IP_MAX: '4', PUBLIC_START_FLOW_MAX: '2' }, '/healthz');
    });
    afterAll(() => strict?.stop());

    it('limits public starts per flow and per IP address, with Retry-After', async () => {
      const d = await demoOf(strict.dataDir);
      const start = (flow: string) =>
        call(strict.url, {
          operationId: 'createBiometricValidation',
          body: { project: d.project, projectFlow: flow, identifier: 'device', type: 'login' },
        });
      const statuses: number[] = [];
      for (const flow of [
        d.publicLoginFlow,
        d.publicLoginFlow,
        d.publicLoginFlow,
        d.loginFlow,
        d.publicLoginFlow,
      ])
        statuses.push((await start(flow)).status);
      // Two per flow, then the flow's limit; the private flow is a 401 but still counted per IP; the
      // fifth start is over the IP's four.
      expect(statuses).toEqual([200, 200, 429, 401, 429]);
      const last = await start(d.publicLoginFlow);
      coverage.record('server', 'createBiometricValidation', last.status);
      expect(last.violations).toEqual([]);
      expect(Number(last.headers.get('retry-after'))).toBeGreaterThan(0);
    });
  });
}
