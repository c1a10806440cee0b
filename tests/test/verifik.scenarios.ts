import { describe, expect, inject, it } from 'vitest';
import type { Coverage } from '../src/coverage.js';
import { onboard, ownProject, unique } from '../src/fixtures.js';
import { type Call, type CallResult, expectAnswer } from '../src/http.js';
import { faces } from '../src/images.js';
import { signWithServerKey, updateRecord } from '../src/server-target.js';

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
      await sync(r, 'end', 'ONGOING', 400, 'step_status_mismatch');
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
}
