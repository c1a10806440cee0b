import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Coverage } from '../src/coverage.js';
import { type Call, type CallResult, call } from '../src/http.js';
import { dataUri, photos } from '../src/images.js';
import { waitForMail } from '../src/mail-sink.js';
import { type ServerTarget, signWithServerKey, startServer, updateRecord } from '../src/server-target.js';
import { documentedResponses, operations } from '../src/spec.js';

export function serverScenarios(coverage: Coverage) {
  // The server half of the contract: every documented (operation, status) pair is provoked for real,
  // with real faces, and every answer is checked against the spec. The scenarios run in order: later
  // ones use what earlier ones created.
  const base = inject('serverUrl');
  const dataDir = inject('serverDataDir');
  const mailDir = inject('mailDir');
  const demo = inject('demo');
  const token = demo.clientAccessToken;

  async function hit(c: Call, status: number, code?: string, url = base): Promise<CallResult> {
    const res = await call(url, c);
    coverage.record('server', c.operationId, res.status);
    expect(res.violations, `${c.operationId}: ${res.text.slice(0, 300)}`).toEqual([]);
    expect(res.status, `${c.operationId}: ${res.text.slice(0, 300)}`).toBe(status);
    if (code) expect(res.json.code).toBe(code);
    return res;
  }

  const ids: Record<string, string> = {};
  const tokens: Record<string, string> = {};
  /** An id (or token) an earlier scenario stored; scenarios depend on their predecessors. */
  function id(name: string): string {
    const value = ids[name];
    if (value === undefined) throw new Error(`no ${name} yet: an earlier scenario failed`);
    return value;
  }
  function tok(name: string): string {
    const value = tokens[name];
    if (value === undefined) throw new Error(`no ${name} token yet: an earlier scenario failed`);
    return value;
  }
  const face = {
    alice: dataUri(photos.personA[0]),
    aliceAgain: dataUri(photos.personA[1]),
    bob: dataUri(photos.personB),
    carol: dataUri(photos.personC[0]),
    astronaut: dataUri(photos.singleFacePng),
    nobody: dataUri(photos.nonFace),
  };

  async function flow(name: string, body: Record<string, unknown>) {
    const res = await hit(
      {
        operationId: 'createProjectFlow',
        token,
        body: { project: id('project'), status: 'active', name, ...body },
      },
      200,
    );
    ids[name] = res.json.data._id;
  }

  async function session(
    flowName: string,
    identifier: string,
    type: string,
    extra: Record<string, unknown> = {},
  ) {
    const res = await hit(
      {
        operationId: 'createBiometricValidation',
        token,
        body: { project: id('project'), projectFlow: id(flowName), identifier, type, ...extra },
      },
      200,
    );
    return res.json.data.token as string;
  }

  const validate = (sessionToken: string, image: string) => ({
    operationId: 'validateBiometricValidation',
    token: sessionToken,
    body: { image },
  });

  async function registration(flowName: string, email: string) {
    const res = await hit(
      {
        operationId: 'createAppRegistration',
        token,
        body: { project: id('project'), projectFlow: id(flowName), email },
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
      ids.project = (
        await hit({ operationId: 'createProject', token, body: { name: 'Contract project' } }, 200)
      ).json.data._id;
      await hit({ operationId: 'listProjects', token }, 200);
      await hit({ operationId: 'getProject', token, params: { id: id('project') } }, 200);
      await hit(
        {
          operationId: 'updateProject',
          token,
          params: { id: id('project') },
          body: { name: 'Contract project (renamed)' },
        },
        200,
      );
    });

    it('creates, lists and reads collections', async () => {
      for (const name of ['faces', 'spare']) {
        const res = await hit(
          { operationId: 'createCollection', token, body: { project: id('project'), name } },
          200,
        );
        ids[name] = res.json.data._id;
      }
      await hit({ operationId: 'listCollections', token, query: { project: id('project') } }, 200);
      await hit({ operationId: 'getCollection', token, params: { id: id('faces') } }, 200);
    });

    it('creates flows for every scenario, lists, reads and updates them', async () => {
      // Thresholds are the test's own: liveness on real photos scores 0.5 to 0.9 with this engine.
      const lenient = { livenessMinScore: 0.3, assignedCollection: id('faces') };
      await flow('login', { type: 'login', redirectUrl: 'https://example.com/welcome', ...lenient });
      await flow('onboarding', { type: 'onboarding', ...lenient });
      await flow('oneAttempt', { type: 'login', maxAttempts: 1, ...lenient });
      await flow('strictLiveness', {
        type: 'onboarding',
        livenessMinScore: 0.99,
        assignedCollection: id('faces'),
      });
      await flow('noCollection', { type: 'onboarding', livenessMinScore: 0.3 });
      await hit({ operationId: 'listProjectFlows', token, query: { project: id('project') } }, 200);
      await hit({ operationId: 'getProjectFlow', token, params: { id: id('login') } }, 200);
      await hit(
        { operationId: 'updateProjectFlow', token, params: { id: id('login') }, body: { name: 'Login' } },
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
      tokens.onboarding = await session('onboarding', 'alice', 'onboarding');
      const res = await hit(validate(tok('onboarding'), face.alice), 200);
      expect(res.json.data.status).toBe('completed');
      ids.alice = res.json.data.person;
      await hit(validate(tok('onboarding'), face.alice), 409, 'BIOMETRIC_VALIDATION_ALREADY_COMPLETED');
    });

    it('logs alice in from another photo', async () => {
      const res = await hit(validate(await session('login', 'alice', 'login'), face.aliceAgain), 200);
      expect(res.json.data.person).toBe(id('alice'));
      expect(res.json.data.redirectUrl).toMatch(/^https:\/\/example\.com\/welcome\?token=/);
    });

    it('refuses bob as alice, then an image without a face, counting attempts', async () => {
      const t = await session('login', 'alice', 'login');
      const wrong = await hit(validate(t, face.bob), 400, 'IDENTITY_VERIFICATION_FAILED');
      expect(wrong.json.attemptsRemaining).toBe(2);
      const noFace = await hit(validate(t, face.nobody), 400, 'INVALID_BIOMETRIC_DATA');
      expect(noFace.json.attemptsRemaining).toBe(1);
      expect(noFace.json.details[0].reason).toBeDefined();
    });

    it('fails liveness below the flow minimum', async () => {
      await hit(
        validate(await session('strictLiveness', 'dave', 'onboarding'), face.bob),
        400,
        'LIVENESS_DETECTION_FAILED',
      );
    });

    it('makes a failure final at the attempt limit', async () => {
      const t = await session('oneAttempt', 'alice', 'login');
      const last = await hit(validate(t, face.nobody), 400, 'INVALID_BIOMETRIC_DATA');
      expect(last.json.attemptsRemaining).toBe(0);
      await hit(validate(t, face.alice), 409, 'BIOMETRIC_VALIDATION_FAILED');
    });

    it('answers 410 once the session has expired', async () => {
      const t = await session('login', 'alice', 'login', {
        expiresAt: new Date(Date.now() + 1500).toISOString(),
      });
      await sleep(2000);
      await hit(validate(t, face.alice), 410, 'LIVENESS_SESSION_EXPIRED');
    });

    it('answers 404 for a valid session token whose validation does not exist', async () => {
      const ghost = await signWithServerKey(
        dataDir,
        'liveness-session',
        { sub: '000000000000000000000000', sid: '000000000000000000000001', project: id('project') },
        new Date(Date.now() + 60_000),
      );
      await hit(validate(ghost, face.alice), 404, 'BIOMETRIC_VALIDATION_NOT_FOUND');
    });

    it('answers 503 when the engine is saturated, and nothing is lost', async () => {
      const sessions = await Promise.all([1, 2, 3, 4].map(() => session('login', 'alice', 'login')));
      const results = await Promise.all(sessions.map((t) => call(base, validate(t, face.aliceAgain))));
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
      const body = {
        project: id('project'),
        projectFlow: id('login'),
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
      const headers = { 'idempotency-key': `contract-${Date.now()}` };
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
      ids.validation = first.json.data.biometricValidation._id;
    });

    it('lists and reads validations and persons', async () => {
      await hit({ operationId: 'listBiometricValidations', token, query: { project: id('project') } }, 200);
      await hit({ operationId: 'getBiometricValidation', token, params: { id: id('validation') } }, 200);
      const persons = await hit(
        { operationId: 'listPersons', token, query: { collection: id('faces') } },
        200,
      );
      expect(JSON.stringify(persons.json)).toContain(id('alice'));
      await hit({ operationId: 'getPerson', token, params: { id: id('alice') } }, 200);
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

    async function awaitingCode(email: string) {
      const t = await session('login', 'alice', 'login', { requires2FA: true, email });
      const res = await hit(validate(t, face.aliceAgain), 200);
      expect(res.json.data.status).toBe('awaiting_2fa');
      expect(res.json.data.token).toBe('');
      return t;
    }

    it('confirms with the emailed code only, then refuses a replay', async () => {
      const t = await awaitingCode('erin@example.com');
      const code = await codeFor('erin@example.com');
      const wrong = await hit(confirm(t, otherThan(code)), 400, 'INVALID_CODE');
      expect(wrong.json.attemptsRemaining).toBeGreaterThan(0);
      const res = await hit(confirm(t, code), 200);
      expect(res.json.data.status).toBe('completed');
      expect(res.json.data.token).not.toBe('');
      await hit(confirm(t, code), 409, 'BIOMETRIC_VALIDATION_ALREADY_COMPLETED');
    });

    it('refuses a code for a validation that awaits none', async () => {
      await hit(
        confirm(await session('login', 'alice', 'login'), '123456'),
        409,
        'BIOMETRIC_VALIDATION_NOT_AWAITING_CODE',
      );
    });

    it('refuses an expired code', async () => {
      const t = await awaitingCode('frank@example.com');
      const code = await codeFor('frank@example.com');
      await sleep(4_500); // TWO_FA_CODE_TTL_S is 4 on the contract server
      await hit(confirm(t, code), 410, 'CODE_EXPIRED');
    });

    it('answers 404 for a valid session token whose validation does not exist', async () => {
      const ghost = await signWithServerKey(
        dataDir,
        'liveness-session',
        { sub: '000000000000000000000000', sid: '000000000000000000000001', project: id('project') },
        new Date(Date.now() + 60_000),
      );
      await hit(confirm(ghost, '123456'), 404, 'BIOMETRIC_VALIDATION_NOT_FOUND');
    });
  });

  describe('server: app registrations', () => {
    it('enrols carol and links her, then refuses a second face', async () => {
      const r = await registration('onboarding', 'carol@example.com');
      const res = await hit(enrol(r.token, face.carol), 200);
      expect(res.json.data.person).toBeDefined();
      await hit(enrol(r.token, face.astronaut), 409, 'person_already_set');
      await hit({ operationId: 'getAppRegistration', token, params: { id: r.id } }, 200);
    });

    it('answers each of its errors', async () => {
      await hit(
        enrol((await registration('onboarding', 'x@example.com')).token, face.nobody),
        400,
        'invalid_image',
      );
      const liveness = await hit(
        enrol((await registration('strictLiveness', 'y@example.com')).token, face.bob),
        409,
        'liveness_failed',
      );
      expect(liveness.json.message).toMatch(/^409:liveness_failed@0\.\d+$/);
      await hit(
        enrol((await registration('noCollection', 'z@example.com')).token, face.bob),
        409,
        'collection_not_set',
      );
      const closed = await registration('onboarding', 'closed@example.com');
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
      const regs = await Promise.all(
        [1, 2, 3, 4].map((i) => registration('onboarding', `busy${i}@example.com`)),
      );
      const results = await Promise.all(regs.map((r) => call(base, enrol(r.token, face.astronaut))));
      for (const res of results) {
        coverage.record('server', 'createAppRegistrationBiometricValidation', res.status);
        expect(res.violations).toEqual([]);
      }
      expect(results.some((r) => r.status === 503)).toBe(true);
    });

    it('refuses a login flow and an unknown project', async () => {
      const body = { project: id('project'), projectFlow: id('login'), email: 'w@example.com' };
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

  describe('server: deletions', () => {
    it('refuses to delete a collection in use, deletes a spare one', async () => {
      await hit(
        { operationId: 'deleteCollection', token, params: { id: id('faces') } },
        409,
        'COLLECTION_IN_USE',
      );
      await hit({ operationId: 'deleteCollection', token, params: { id: id('spare') } }, 200);
    });

    it('deletes a person with their templates', async () => {
      await hit({ operationId: 'deletePerson', token, params: { id: id('alice') } }, 200);
      await hit({ operationId: 'getPerson', token, params: { id: id('alice') } }, 404, 'PERSON_NOT_FOUND');
      // Alice's face is gone from the collection: she can be onboarded again as someone new.
      await hit(validate(await session('onboarding', 'alice-2', 'onboarding'), face.alice), 200);
    });
  });

  // Statuses every operation of a kind documents, provoked the same way for each.
  describe('server: the generic statuses of every operation', () => {
    const ghostId = '0123456789abcdef01234567';
    const sessionOps = ['validateBiometricValidation', 'confirmBiometricValidationCode'];
    const wrongKind = (operationId: string) =>
      sessionOps.includes(operationId) || operationId === 'createAppRegistrationBiometricValidation'
        ? token
        : tok('onboarding');
    const rightKind = (operationId: string) =>
      sessionOps.includes(operationId)
        ? tok('onboarding')
        : operationId === 'createAppRegistrationBiometricValidation'
          ? demo.appRegistrationToken
          : token;
    const documented = (operationId: string, status: string) =>
      documentedResponses().some((r) => r.operationId === operationId && r.status === status);
    const params = { id: ghostId };

    for (const { operationId, op } of operations) {
      const secured = (op.security ?? []).length > 0;
      if (documented(operationId, '401'))
        it(`${operationId} 401 without a token`, async () => {
          await hit({ operationId, params, body: op.requestBody ? {} : undefined }, 401);
        });
      if (secured && documented(operationId, '403'))
        it(`${operationId} 403 with a token of another kind`, async () => {
          await hit(
            { operationId, params, token: wrongKind(operationId), body: op.requestBody ? {} : undefined },
            403,
          );
        });
      if (
        op.parameters?.some((p: any) => p.$ref?.endsWith('/Id') || p.name === 'id') &&
        documented(operationId, '404')
      )
        it(`${operationId} 404 for an unknown id`, async () => {
          const body = op.requestBody ? { name: 'x' } : undefined;
          await hit(
            {
              operationId,
              params,
              token,
              body: operationId === 'updateProjectFlow' ? { status: 'paused' } : body,
            },
            404,
          );
        });
      if (documented(operationId, '400') && !op.requestBody)
        it(`${operationId} 400 for a query parameter out of range`, async () => {
          await hit({ operationId, token, query: { limit: '0' } }, 400);
        });
      if (documented(operationId, '400') && op.requestBody)
        it(`${operationId} 400 for a body with an unknown field`, async () => {
          await hit({ operationId, params, token: rightKind(operationId), body: { unknownField: 1 } }, 400);
        });
      if (documented(operationId, '413'))
        it(`${operationId} 413 for a body over 8 MiB`, async () => {
          await hit(
            {
              operationId,
              params,
              token: rightKind(operationId),
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
              token: rightKind(operationId),
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
      const fresh = await startServer({}, '/healthz');
      try {
        const seen: number[] = [];
        for (let i = 0; i < 3000 && seen.at(-1) !== 200; i++) {
          const res = await call(fresh.url, { operationId: 'getReadiness' });
          coverage.record('server', 'getReadiness', res.status);
          expect(res.violations).toEqual([]);
          seen.push(res.status);
          if (res.status === 503) expect(res.json.code).toBe('NOT_READY');
        }
        expect(seen).toContain(503);
        expect(seen.at(-1)).toBe(200);
      } finally {
        await fresh.stop();
      }
    });
  });
}
