import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Coverage } from '../src/coverage.js';
import { onboard, ownProject, unique } from '../src/fixtures.js';
import { type Call, type CallResult, call, expectAnswer } from '../src/http.js';
import { faces } from '../src/images.js';
import { waitForMail } from '../src/mail-sink.js';
import { type ServerTarget, signWithServerKey, startServer, updateRecord } from '../src/server-target.js';
import { freshSession } from '../src/sessions.js';
import { contractViolations, documentedResponses, operations, resolveRef } from '../src/spec.js';

export function serverScenarios(coverage: Coverage) {
  // The server half of the contract: every documented (operation, status) pair is provoked for real,
  // with real faces, and every answer is checked against the spec. Each scenario makes its own
  // project, collection, flows and persons, so any one runs alone and in any order.
  const base = inject('serverUrl');
  const dataDir = inject('serverDataDir');
  const mailDir = inject('mailDir');
  const demo = inject('demo');
  const token = demo.clientAccessToken;

  const hit = (c: Call, status: number, code?: string, url = base): Promise<CallResult> =>
    expectAnswer(url, c, status, code, (res) => coverage.record('server', c.operationId, res.status));
  const face = faces;

  // Thresholds are the test's own: liveness on real photos scores 0.5 to 0.9 with this engine.
  const lenient = { livenessMinScore: 0.3 };
  const flowKinds = {
    login: { type: 'login', redirectUrl: 'https://example.com/welcome', ...lenient },
    onboarding: { type: 'onboarding', ...lenient },
    oneAttempt: { type: 'login', maxAttempts: 1, ...lenient },
    strictLiveness: { type: 'onboarding', livenessMinScore: 0.99 },
    noCollection: { type: 'onboarding', assignedCollection: undefined, ...lenient },
  };
  type FlowKind = keyof typeof flowKinds;

  /** A project of the scenario's own with the flows it names, all into one collection. */
  function project<K extends FlowKind>(...kinds: K[]) {
    const flows = {} as Record<K, Record<string, unknown>>;
    for (const kind of kinds) flows[kind] = flowKinds[kind];
    return ownProject(base, token, flows);
  }

  /** A project with login and onboarding flows and `identifier` enrolled from alice's first photo. */
  async function withAlice(identifier = unique('alice')) {
    const p = await project('login', 'onboarding');
    const person = await onboard(
      base,
      token,
      { project: p.project, flow: p.flows.onboarding },
      identifier,
      face.alice,
    );
    return { ...p, identifier, person };
  }

  async function session(
    where: { project: string; flow: string },
    identifier: string,
    type: string,
    extra: Record<string, unknown> = {},
  ) {
    const res = await hit(
      {
        operationId: 'createBiometricValidation',
        token,
        body: { project: where.project, projectFlow: where.flow, identifier, type, ...extra },
      },
      200,
    );
    return { token: res.json.data.token as string, id: res.json.data.biometricValidation._id as string };
  }

  const validate = (sessionToken: string, image: string) => ({
    operationId: 'validateBiometricValidation',
    token: sessionToken,
    body: { image },
  });

  async function registration(
    where: { project: string; flow: string },
    email = `${unique('reg')}@example.com`,
  ) {
    const res = await hit(
      {
        operationId: 'createAppRegistration',
        token,
        body: { project: where.project, projectFlow: where.flow, email },
      },
      200,
    );
    return { id: res.json.data.appRegistration._id as string, token: res.json.data.token as string };
  }

  const enrol = (registrationToken: string, image: string, force?: boolean) => ({
    operationId: 'createAppRegistrationBiometricValidation',
    token: registrationToken,
    body: { image, os: 'DESKTOP', ...(force === undefined ? {} : { force }) },
  });

  describe('server: public endpoints', () => {
    it('health, readiness and the JWKS answer', async () => {
      await hit({ operationId: 'getHealth' }, 200);
      await hit({ operationId: 'getReadiness' }, 200);
      const jwks = await hit({ operationId: 'getJwks' }, 200);
      expect(jwks.json.keys.length).toBeGreaterThan(0);
    });
  });

  describe('server: projects, collections and flows', () => {
    it('creates, lists, reads and updates a project', async () => {
      const id = (await hit({ operationId: 'createProject', token, body: { name: 'Contract project' } }, 200))
        .json.data._id;
      await hit({ operationId: 'listProjects', token }, 200);
      await hit({ operationId: 'getProject', token, params: { id } }, 200);
      await hit(
        { operationId: 'updateProject', token, params: { id }, body: { name: 'Contract project (renamed)' } },
        200,
      );
    });

    it('creates, lists and reads collections', async () => {
      const { project: id } = await project();
      const created = await hit(
        { operationId: 'createCollection', token, body: { project: id, name: 'faces' } },
        200,
      );
      await hit({ operationId: 'listCollections', token, query: { project: id } }, 200);
      await hit({ operationId: 'getCollection', token, params: { id: created.json.data._id } }, 200);
    });

    it('creates flows of every kind, lists, reads and updates them', async () => {
      const { project: id, collection } = await project();
      const flows: string[] = [];
      for (const [name, body] of Object.entries(flowKinds)) {
        const created = await hit(
          {
            operationId: 'createProjectFlow',
            token,
            body: { project: id, status: 'active', name, assignedCollection: collection, ...body },
          },
          200,
        );
        flows.push(created.json.data._id);
      }
      await hit({ operationId: 'listProjectFlows', token, query: { project: id } }, 200);
      await hit({ operationId: 'getProjectFlow', token, params: { id: flows[0] as string } }, 200);
      await hit(
        {
          operationId: 'updateProjectFlow',
          token,
          params: { id: flows[0] as string },
          body: { name: 'Login' },
        },
        200,
      );
    });

    it('refuses references to what does not exist', async () => {
      const ghost = '000000000000000000000000';
      await hit(
        { operationId: 'createProjectFlow', token, body: { project: ghost, type: 'login', name: 'x' } },
        404,
        'PROJECT_NOT_FOUND',
      );
      await hit(
        { operationId: 'createCollection', token, body: { project: ghost, name: 'x' } },
        404,
        'PROJECT_NOT_FOUND',
      );
    });
  });

  describe('server: biometric validations', () => {
    it('onboards alice, then refuses a replay of the used session', async () => {
      const p = await project('onboarding');
      const s = await session({ project: p.project, flow: p.flows.onboarding }, 'alice', 'onboarding');
      const res = await hit(validate(s.token, face.alice), 200);
      expect(res.json.data.status).toBe('completed');
      await hit(validate(s.token, face.alice), 409, 'BIOMETRIC_VALIDATION_ALREADY_COMPLETED');
    });

    it('logs alice in from another photo', async () => {
      const a = await withAlice();
      const s = await session({ project: a.project, flow: a.flows.login }, a.identifier, 'login');
      const res = await hit(validate(s.token, face.aliceAgain), 200);
      expect(res.json.data.person).toBe(a.person);
      expect(res.json.data.redirectUrl).toMatch(/^https:\/\/example\.com\/welcome\?token=/);
    });

    it('refuses bob as alice, then an image without a face, counting attempts', async () => {
      const a = await withAlice();
      const s = await session({ project: a.project, flow: a.flows.login }, a.identifier, 'login');
      const wrong = await hit(validate(s.token, face.bob), 400, 'IDENTITY_VERIFICATION_FAILED');
      expect(wrong.json.attemptsRemaining).toBe(2);
      const noFace = await hit(validate(s.token, face.nobody), 400, 'INVALID_BIOMETRIC_DATA');
      expect(noFace.json.attemptsRemaining).toBe(1);
      expect(noFace.json.details[0].reason).toBeDefined();
    });

    it('fails liveness below the flow minimum', async () => {
      const p = await project('strictLiveness');
      const s = await session({ project: p.project, flow: p.flows.strictLiveness }, 'dave', 'onboarding');
      await hit(validate(s.token, face.bob), 400, 'LIVENESS_DETECTION_FAILED');
    });

    it('makes a failure final at the attempt limit', async () => {
      const p = await project('oneAttempt');
      const s = await session({ project: p.project, flow: p.flows.oneAttempt }, 'alice', 'login');
      const last = await hit(validate(s.token, face.nobody), 400, 'INVALID_BIOMETRIC_DATA');
      expect(last.json.attemptsRemaining).toBe(0);
      await hit(validate(s.token, face.alice), 409, 'BIOMETRIC_VALIDATION_FAILED');
    });

    it('answers 410 once the session has expired', async () => {
      const p = await project('login');
      const s = await session({ project: p.project, flow: p.flows.login }, 'alice', 'login');
      // The session's token stays valid; only the validation's expiry, set by hand, has passed.
      updateRecord(
        dataDir,
        'biometric_validations',
        s.id,
        'expires_at',
        new Date(Date.now() - 1_000).toISOString(),
      );
      await hit(validate(s.token, face.alice), 410, 'LIVENESS_SESSION_EXPIRED');
    });

    it('answers 404 for a valid session token whose validation does not exist', async () => {
      const ghost = await signWithServerKey(
        dataDir,
        'liveness-session',
        { sub: '000000000000000000000000', sid: '000000000000000000000001', project: demo.project },
        new Date(Date.now() + 60_000),
      );
      await hit(validate(ghost, face.alice), 404, 'BIOMETRIC_VALIDATION_NOT_FOUND');
    });

    it('answers 503 when the engine is saturated, and nothing is lost', async () => {
      const a = await withAlice();
      const where = { project: a.project, flow: a.flows.login };
      const sessions = await Promise.all([1, 2, 3, 4].map(() => session(where, a.identifier, 'login')));
      const results = await Promise.all(sessions.map((s) => call(base, validate(s.token, face.aliceAgain))));
      for (const res of results) {
        coverage.record('server', 'validateBiometricValidation', res.status);
        expect(res.violations).toEqual([]);
        expect([200, 503]).toContain(res.status);
      }
      const busy = results.filter((r) => r.status === 503);
      expect(busy.length).toBeGreaterThan(0);
      expect(busy[0]?.headers.get('retry-after')).toMatch(/^\d+$/);
    });

    it('refuses an unusable flow, an unknown project and a reused idempotency key', async () => {
      const p = await project('login');
      const body = {
        project: p.project,
        projectFlow: p.flows.login,
        identifier: 'alice',
        type: 'onboarding',
      };
      await hit({ operationId: 'createBiometricValidation', token, body }, 400, 'INVALID_PROJECT_FLOW');
      await hit(
        {
          operationId: 'createBiometricValidation',
          token,
          body: { ...body, project: '000000000000000000000000' },
        },
        404,
      );
      const headers = { 'idempotency-key': unique('contract') };
      const first = await hit(
        { operationId: 'createBiometricValidation', token, headers, body: { ...body, type: 'login' } },
        200,
      );
      const again = await hit(
        { operationId: 'createBiometricValidation', token, headers, body: { ...body, type: 'login' } },
        200,
      );
      expect(again.json.data.biometricValidation._id).toBe(first.json.data.biometricValidation._id);
      await hit(
        {
          operationId: 'createBiometricValidation',
          token,
          headers,
          body: { ...body, type: 'login', identifier: 'bob' },
        },
        409,
        'IDEMPOTENCY_KEY_REUSED',
      );
    });

    it('lists and reads validations and persons', async () => {
      const a = await withAlice();
      const s = await session({ project: a.project, flow: a.flows.login }, a.identifier, 'login');
      await hit({ operationId: 'listBiometricValidations', token, query: { project: a.project } }, 200);
      await hit({ operationId: 'getBiometricValidation', token, params: { id: s.id } }, 200);
      const persons = await hit(
        { operationId: 'listPersons', token, query: { collection: a.collection } },
        200,
      );
      expect(JSON.stringify(persons.json)).toContain(a.person);
      await hit({ operationId: 'getPerson', token, params: { id: a.person } }, 200);
    });
  });

  describe('server: second factor by email', () => {
    const confirm = (sessionToken: string, code: string) => ({
      operationId: 'confirmBiometricValidationCode',
      token: sessionToken,
      body: { code },
    });
    const codeFor = async (email: string) => (await waitForMail(mailDir, email, /\b(\d{6})\b/))[1] as string;
    const otherThan = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

    /** Alice of her own project passed her face and waits for the code mailed to a fresh address. */
    async function awaitingCode() {
      const a = await withAlice();
      const email = `${unique('code')}@example.com`;
      const s = await session({ project: a.project, flow: a.flows.login }, a.identifier, 'login', {
        requires2FA: true,
        email,
      });
      const res = await hit(validate(s.token, face.aliceAgain), 200);
      expect(res.json.data.status).toBe('awaiting_2fa');
      expect(res.json.data.token).toBe('');
      return { ...s, code: await codeFor(email) };
    }

    it('confirms with the emailed code only, then refuses a replay', async () => {
      const s = await awaitingCode();
      const wrong = await hit(confirm(s.token, otherThan(s.code)), 400, 'INVALID_CODE');
      expect(wrong.json.attemptsRemaining).toBeGreaterThan(0);
      const res = await hit(confirm(s.token, s.code), 200);
      expect(res.json.data.status).toBe('completed');
      expect(res.json.data.token).not.toBe('');
      await hit(confirm(s.token, s.code), 409, 'BIOMETRIC_VALIDATION_ALREADY_COMPLETED');
    });

    it('refuses a code for a validation that awaits none', async () => {
      const p = await project('login');
      const s = await session({ project: p.project, flow: p.flows.login }, 'alice', 'login');
      await hit(confirm(s.token, '123456'), 409, 'BIOMETRIC_VALIDATION_NOT_AWAITING_CODE');
    });

    it('refuses an expired code', async () => {
      const s = await awaitingCode();
      // The code's expiry, set by hand in the past, rather than waiting out TWO_FA_CODE_TTL_S.
      updateRecord(
        dataDir,
        'two_factor_codes',
        s.id,
        'expires_at',
        new Date(Date.now() - 1_000).toISOString(),
      );
      await hit(confirm(s.token, s.code), 410, 'CODE_EXPIRED');
    });

    it('answers 404 for a valid session token whose validation does not exist', async () => {
      const ghost = await signWithServerKey(
        dataDir,
        'liveness-session',
        { sub: '000000000000000000000000', sid: '000000000000000000000001', project: demo.project },
        new Date(Date.now() + 60_000),
      );
      await hit(confirm(ghost, '123456'), 404, 'BIOMETRIC_VALIDATION_NOT_FOUND');
    });
  });

  describe('server: app registrations', () => {
    it('enrols carol and links her, then refuses a second face', async () => {
      const p = await project('onboarding');
      const r = await registration({ project: p.project, flow: p.flows.onboarding });
      const res = await hit(enrol(r.token, face.carol), 200);
      expect(res.json.data.person).toBeDefined();
      await hit(enrol(r.token, face.astronaut), 409, 'person_already_set');
      await hit({ operationId: 'getAppRegistration', token, params: { id: r.id } }, 200);
    });

    it('answers each of its errors', async () => {
      const p = await project('onboarding', 'strictLiveness', 'noCollection');
      const at = (flow: string) => ({ project: p.project, flow });
      await hit(enrol((await registration(at(p.flows.onboarding))).token, face.nobody), 400, 'invalid_image');
      const liveness = await hit(
        enrol((await registration(at(p.flows.strictLiveness))).token, face.bob),
        409,
        'liveness_failed',
      );
      expect(liveness.json.message).toMatch(/^409:liveness_failed@0\.\d+$/);
      await hit(
        enrol((await registration(at(p.flows.noCollection))).token, face.bob),
        409,
        'collection_not_set',
      );
      const closed = await registration(at(p.flows.onboarding));
      updateRecord(dataDir, 'app_registrations', closed.id, 'status', 'COMPLETED');
      await hit(enrol(closed.token, face.bob), 409, 'appRegistration_not_active');
      const ghost = await signWithServerKey(
        dataDir,
        'app-registration',
        { sub: '000000000000000000000000' },
        new Date(Date.now() + 60_000),
      );
      await hit(enrol(ghost, face.bob), 404, 'appRegistration_not_found');
    });

    it('answers 503 when the engine is saturated', async () => {
      const p = await project('onboarding');
      const regs = await Promise.all(
        [1, 2, 3, 4].map(() => registration({ project: p.project, flow: p.flows.onboarding })),
      );
      const results = await Promise.all(regs.map((r) => call(base, enrol(r.token, face.astronaut))));
      for (const res of results) {
        coverage.record('server', 'createAppRegistrationBiometricValidation', res.status);
        expect(res.violations).toEqual([]);
      }
      expect(results.some((r) => r.status === 503)).toBe(true);
    });

    it('refuses a login flow and an unknown project', async () => {
      const p = await project('login');
      const body = { project: p.project, projectFlow: p.flows.login, email: 'w@example.com' };
      await hit({ operationId: 'createAppRegistration', token, body }, 400, 'INVALID_PROJECT_FLOW');
      await hit(
        {
          operationId: 'createAppRegistration',
          token,
          body: { ...body, project: '000000000000000000000000' },
        },
        404,
      );
    });
  });

  describe('server: active liveness', () => {
    const activeKinds = {
      activeLogin: { type: 'login', livenessMode: 'active' },
      activeOneAttempt: { type: 'onboarding', livenessMode: 'active', maxAttempts: 1 },
      activeOnboarding: { type: 'onboarding', livenessMode: 'active' },
      passiveOnboarding: { type: 'onboarding', ...lenient },
    };
    const activeProject = () => ownProject(base, token, activeKinds);
    const challenge = (t: string) => ({ operationId: 'createLivenessChallenge', token: t });
    const registrationChallenge = (t: string) => ({
      operationId: 'createAppRegistrationLivenessChallenge',
      token: t,
    });
    const GAP_MS = 100;
    /** A photo held in front of the camera: the same still, frame after frame. */
    const held = Array.from({ length: 10 }, (_, i) => ({ image: face.alice, capturedAtMs: i * GAP_MS }));
    /** Until ten frames could have been filmed since the challenge was issued (the server's clock checks it). */
    const filmable = async (c: { issuedAt: string }) => {
      const ready = Date.parse(c.issuedAt) + held.length * GAP_MS + 50;
      while (Date.now() < ready) await new Promise((r) => setTimeout(r, ready - Date.now()));
    };
    const answer = (t: string, challengeId: string) => ({
      operationId: 'validateBiometricValidation',
      token: t,
      body: { image: face.alice, challengeId, frames: held },
    });

    it('tells a passive flow to send one image, and issues a challenge on an active one', async () => {
      const p = await activeProject();
      const passive = await session(
        { project: p.project, flow: p.flows.passiveOnboarding },
        unique('p'),
        'onboarding',
      );
      expect((await hit(challenge(passive.token), 200)).json.data).toEqual({ livenessMode: 'passive' });
      const s = await session({ project: p.project, flow: p.flows.activeLogin }, unique('a'), 'login');
      const issued = (await hit(challenge(s.token), 200)).json.data;
      expect(issued.livenessMode).toBe('active');
      expect(issued.challenge.steps.length).toBeGreaterThanOrEqual(2);
    });

    it('refuses one image on an active flow, and unknown, expired and answered challenges', async () => {
      const p = await activeProject();
      const s = await session(
        { project: p.project, flow: p.flows.activeOnboarding },
        unique('a'),
        'onboarding',
      );
      const single = await hit(validate(s.token, face.alice), 400, 'ACTIVE_LIVENESS_REQUIRED');
      expect(single.json.details[0].path).toBe('/body/frames');
      await hit(answer(s.token, '0123456789abcdef01234567'), 400, 'LIVENESS_CHALLENGE_INVALID');
      const late = (await hit(challenge(s.token), 200)).json.data.challenge;
      updateRecord(
        dataDir,
        'liveness_challenges',
        late._id,
        'expires_at',
        new Date(Date.now() - 1000).toISOString(),
      );
      await hit(answer(s.token, late._id), 400, 'LIVENESS_CHALLENGE_EXPIRED');
      const c = (await hit(challenge(s.token), 200)).json.data.challenge;
      await filmable(c);
      const refused = await hit(answer(s.token, c._id), 400, 'LIVENESS_DETECTION_FAILED');
      expect(refused.json.liveness).toMatchObject({ method: 'active', live: false, challenge: c._id });
      await hit(answer(s.token, c._id), 400, 'LIVENESS_CHALLENGE_INVALID');
    });

    it('answers 404, 409 and 410 for a challenge as validate does, and stops issuing past the limit', async () => {
      const ghost = await signWithServerKey(
        dataDir,
        'liveness-session',
        { sub: '000000000000000000000000', sid: '000000000000000000000001', project: demo.project },
        new Date(Date.now() + 60_000),
      );
      await hit(challenge(ghost), 404, 'BIOMETRIC_VALIDATION_NOT_FOUND');
      const p = await activeProject();
      const limited = await session(
        { project: p.project, flow: p.flows.activeOneAttempt },
        unique('l'),
        'onboarding',
      );
      for (let i = 0; i < 3; i++) await hit(challenge(limited.token), 200);
      await hit(challenge(limited.token), 409, 'LIVENESS_CHALLENGE_LIMIT_REACHED');
      const failed = await session(
        { project: p.project, flow: p.flows.activeOneAttempt },
        unique('f'),
        'onboarding',
      );
      const c = (await hit(challenge(failed.token), 200)).json.data.challenge;
      await filmable(c);
      await hit(answer(failed.token, c._id), 400, 'LIVENESS_DETECTION_FAILED');
      await hit(challenge(failed.token), 409, 'BIOMETRIC_VALIDATION_FAILED');
      const done = await session(
        { project: p.project, flow: p.flows.passiveOnboarding },
        unique('d'),
        'onboarding',
      );
      await hit(validate(done.token, face.carol), 200);
      await hit(challenge(done.token), 409, 'BIOMETRIC_VALIDATION_ALREADY_COMPLETED');
      const expired = await session({ project: p.project, flow: p.flows.activeLogin }, unique('e'), 'login');
      updateRecord(
        dataDir,
        'biometric_validations',
        expired.id,
        'expires_at',
        new Date(Date.now() - 1000).toISOString(),
      );
      await hit(challenge(expired.token), 410, 'LIVENESS_SESSION_EXPIRED');
    });

    it('follows the flow’s mode on the app-registration face', async () => {
      const p = await activeProject();
      const passive = await registration({ project: p.project, flow: p.flows.passiveOnboarding });
      expect((await hit(registrationChallenge(passive.token), 200)).json.data).toEqual({
        livenessMode: 'passive',
      });
      const r = await registration({ project: p.project, flow: p.flows.activeOnboarding });
      await hit(enrol(r.token, face.carol), 400, 'active_liveness_required');
      const withFrames = (challengeId: string) => ({
        ...enrol(r.token, face.alice),
        body: { image: face.alice, os: 'DESKTOP', challengeId, frames: held },
      });
      await hit(withFrames('0123456789abcdef01234567'), 400, 'liveness_challenge_invalid');
      const late = (await hit(registrationChallenge(r.token), 200)).json.data.challenge;
      updateRecord(
        dataDir,
        'liveness_challenges',
        late._id,
        'expires_at',
        new Date(Date.now() - 1000).toISOString(),
      );
      await hit(withFrames(late._id), 400, 'liveness_challenge_expired');
      const c = (await hit(registrationChallenge(r.token), 200)).json.data.challenge;
      await filmable(c);
      const refused = await hit(withFrames(c._id), 409, 'liveness_failed');
      expect(refused.json.liveness.live).toBe(false);
      for (let i = 2; i < 10; i++) await hit(registrationChallenge(r.token), 200);
      await hit(registrationChallenge(r.token), 409, 'liveness_challenge_limit_reached');
      const closed = await registration({ project: p.project, flow: p.flows.activeOnboarding });
      updateRecord(dataDir, 'app_registrations', closed.id, 'status', 'COMPLETED');
      await hit(registrationChallenge(closed.token), 409, 'appRegistration_not_active');
      const ghost = await signWithServerKey(
        dataDir,
        'app-registration',
        { sub: '000000000000000000000000' },
        new Date(Date.now() + 60_000),
      );
      await hit(registrationChallenge(ghost), 404, 'appRegistration_not_found');
    });
  });

  describe('server: deletions', () => {
    it('refuses to delete a collection in use, deletes a spare one', async () => {
      const p = await project('login');
      await hit(
        { operationId: 'deleteCollection', token, params: { id: p.collection } },
        409,
        'COLLECTION_IN_USE',
      );
      const spare = await hit(
        { operationId: 'createCollection', token, body: { project: p.project, name: 'spare' } },
        200,
      );
      await hit({ operationId: 'deleteCollection', token, params: { id: spare.json.data._id } }, 200);
    });

    it('deletes a person with their templates', async () => {
      const a = await withAlice();
      await hit({ operationId: 'deletePerson', token, params: { id: a.person } }, 200);
      await hit({ operationId: 'getPerson', token, params: { id: a.person } }, 404, 'PERSON_NOT_FOUND');
      // Alice's face is gone from the collection: she can be onboarded again as someone new.
      const s = await session(
        { project: a.project, flow: a.flows.onboarding },
        unique('alice'),
        'onboarding',
      );
      await hit(validate(s.token, face.alice), 200);
    });
  });

  // Statuses every operation of a kind documents, provoked the same way for each.
  describe('server: the generic statuses of every operation', () => {
    const ghostId = '0123456789abcdef01234567';
    // The token kind an operation accepts, read from its security scheme. A fresh session of the
    // demo project stands for any liveness-session token.
    const schemeOf = (operationId: string) =>
      Object.keys(operations.find((o) => o.operationId === operationId)?.op.security?.[0] ?? {})[0];
    const wrongKind = async (operationId: string) =>
      schemeOf(operationId) === 'clientAccessToken' ? freshSession(base, demo) : token;
    const rightKind = async (operationId: string) =>
      schemeOf(operationId) === 'livenessSessionToken'
        ? freshSession(base, demo)
        : schemeOf(operationId) === 'appRegistrationToken'
          ? demo.appRegistrationToken
          : token;
    const anonymousOps = new Set(
      operations
        .filter((o) => o.op.security?.some((r: object) => Object.keys(r).length === 0))
        .map((o) => o.operationId),
    );
    const bodyFor404: Record<string, unknown> = {
      updateProjectFlow: { status: 'paused' },
      syncAppRegistration: { step: 'signUpForm', status: 'ONGOING' },
    };
    const documented = (operationId: string, status: string) =>
      documentedResponses().some((r) => r.operationId === operationId && r.status === status);
    const params = { id: ghostId };

    for (const { operationId, op } of operations) {
      const secured = (op.security ?? []).length > 0;
      // An operation that also takes no token (a public start) answers 401 for a flow that is not public.
      const anonymousBody = {
        project: ghostId,
        projectFlow: ghostId,
        identifier: 'x',
        type: 'login',
        email: 'x@example.com',
      };
      if (documented(operationId, '401'))
        it(`${operationId} 401 without a token`, async () => {
          const body = op.requestBody ? (anonymousOps.has(operationId) ? anonymousBody : {}) : undefined;
          await hit({ operationId, params, body }, 401);
        });
      if (secured && documented(operationId, '403'))
        it(`${operationId} 403 with a token of another kind`, async () => {
          await hit(
            {
              operationId,
              params,
              token: await wrongKind(operationId),
              body: op.requestBody ? {} : undefined,
            },
            403,
          );
        });
      const hasPathId = op.parameters?.some(
        (p: any) => resolveRef(p).in === 'path' && resolveRef(p).name === 'id',
      );
      if (hasPathId && documented(operationId, '404'))
        it(`${operationId} 404 for an unknown id`, async () => {
          const body = op.requestBody ? (bodyFor404[operationId] ?? { name: 'x' }) : undefined;
          await hit({ operationId, params, token: await rightKind(operationId), body }, 404);
        });
      const hasLimit = op.parameters?.some((p: any) => resolveRef(p).name === 'limit');
      if (documented(operationId, '400') && !op.requestBody && hasLimit)
        it(`${operationId} 400 for a query parameter out of range`, async () => {
          await hit({ operationId, token, query: { limit: '0' } }, 400);
        });
      if (documented(operationId, '400') && !op.requestBody && hasPathId)
        it(`${operationId} 400 for an id longer than the spec allows`, async () => {
          await hit(
            { operationId, params: { id: 'a'.repeat(65) }, token: await rightKind(operationId) },
            400,
          );
        });
      if (documented(operationId, '400') && op.requestBody)
        // Unknown fields are ignored (the spec's "Tolerant requests"), so the listed ones carry the fault.
        it(`${operationId} 400 for listed fields of the wrong type`, async () => {
          const body = {
            ...{ name: 1, status: 1, image: 1, code: 1, project: 1, fullName: 1, populates: 1 },
            unknownField: 1,
          };
          await hit({ operationId, params, token: await rightKind(operationId), body }, 400);
        });
      if (documented(operationId, '413'))
        it(`${operationId} 413 for a body over 8 MiB`, async () => {
          await hit(
            {
              operationId,
              params,
              token: await rightKind(operationId),
              rawBody: '{"x":"aaaa',
              declaredLength: 9 << 20,
            },
            413,
          );
        });
      if (documented(operationId, '415'))
        it(`${operationId} 415 for a body that is not JSON`, async () => {
          await hit(
            {
              operationId,
              params,
              token: await rightKind(operationId),
              rawBody: 'name=x',
              headers: { 'content-type': 'text/plain' },
            },
            415,
          );
        });
    }
  });

  describe('server: rate limits (a second server with tiny limits)', () => {
    let strict: ServerTarget;
    beforeAll(async () => {
      strict = await startServer(
        { RATE_LIMIT_MAX: '2', RATE_LIMIT_IP_MAX: '4', ENGINE_WORKERS: '1' },
        '/healthz',
      );
    });
    afterAll(() => strict?.stop());

    for (const { operationId, op } of operations) {
      if (!documentedResponses().some((r) => r.operationId === operationId && r.status === '429')) continue;
      it(`${operationId} 429 with Retry-After`, async () => {
        let last: CallResult | undefined;
        for (let i = 0; i < 8 && last?.status !== 429; i++)
          last = await call(strict.url, {
            operationId,
            params: { id: '0123456789abcdef01234567' },
            token: 'x',
            body: op.requestBody ? {} : undefined,
          });
        coverage.record('server', operationId, last?.status ?? 0);
        expect(last?.violations).toEqual([]);
        expect(last?.status).toBe(429);
        expect(Number(last?.headers.get('retry-after'))).toBeGreaterThan(0);
      });
    }
  });

  describe('server: readiness while the engine warms up', () => {
    it('answers 503 until the face engine is loaded, then 200', async () => {
      // Readiness is asked from the moment the process starts, every 20 ms, so the warm-up (about a
      // second: the engine loads its models after the server listens) cannot slip between polls.
      const seen: { status: number; violations: string[]; code?: string }[] = [];
      const fresh = await startServer({}, '/readyz', {
        pollMs: 20,
        onPoll: (answer) => {
          coverage.record('server', 'getReadiness', answer.status);
          const code = answer.status === 503 ? JSON.parse(answer.text).code : undefined;
          seen.push({ status: answer.status, violations: contractViolations('getReadiness', answer), code });
        },
      });
      try {
        expect(seen.flatMap((s) => s.violations)).toEqual([]);
        expect(seen.map((s) => s.status)).toContain(503);
        expect(new Set(seen.filter((s) => s.status === 503).map((s) => s.code))).toEqual(
          new Set(['NOT_READY']),
        );
        expect(seen.at(-1)?.status).toBe(200);
      } finally {
        await fresh.stop();
      }
    });
  });
}
