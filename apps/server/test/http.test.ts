import { createRemoteJWKSet, generateKeyPair, jwtVerify, SignJWT, UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataUri, enrol, fx, type Harness, type OwnFlows, ownFlows, startServer } from './helpers.js';

let h: Harness;
let token: string; // the demo client access token
const A0 = dataUri(fx.personA[0]);
const A1 = dataUri(fx.personA[1]);
const B = dataUri(fx.personB);
const NO_FACE = dataUri(fx.nonFace);

beforeAll(async () => {
  h = await startServer();
  token = h.demo.clientAccessToken;
});
afterAll(async () => h?.close());

type Flows = Pick<OwnFlows, 'onboardingFlow' | 'loginFlow'>;

async function create(
  type: string,
  identifier: string,
  extra: Record<string, unknown> = {},
  flows: Flows = h.demo,
) {
  const flow = type === 'onboarding' ? flows.onboardingFlow : flows.loginFlow;
  const res = await h.call('POST', '/v2/biometric-validations', {
    token,
    body: { project: h.demo.project, projectFlow: flow, identifier, type, ...extra },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.data as { token: string; biometricValidation: { _id: string } };
}

const validate = (sessionToken: string, image: string) =>
  h.call('POST', '/v2/biometric-validations/validate', { token: sessionToken, body: { image } });

// Each test has its own collection (faces are unique in one), so none relies on another's enrolment.
describe('onboarding and login', () => {
  /** A collection of this test's own with its flows, and alice enrolled in it from A0. */
  async function withAlice() {
    const flows = await ownFlows(h);
    return { flows, alice: await enrol(h, flows, 'alice', A0) };
  }

  it('onboarding enrols a new person and returns a result token that verifies against the JWKS', async () => {
    const flows = await ownFlows(h);
    const v = await create('onboarding', 'alice', { redirectUrl: 'https://example.com/done' }, flows);
    const res = await validate(v.token, A0);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data.status).toBe('completed');
    expect(res.body.data.matchScore).toBe(1);
    expect(res.body.data.biometricData.template).toMatch(/^tpl_/);
    const alice = res.body.data.person;
    const jwks = createRemoteJWKSet(new URL(`${h.base}/.well-known/jwks.json`));
    const { payload, protectedHeader } = await jwtVerify(res.body.data.token, jwks, {
      audience: 'faceproof:result',
      issuer: 'faceproof',
    });
    expect(protectedHeader.alg).toBe('ES256');
    expect(payload.sub).toBe('alice');
    expect(payload.person).toBe(alice);
    expect(new URL(res.body.data.redirectUrl).searchParams.get('token')).toBe(res.body.data.token);
    const person = await h.call('GET', `/v2/persons/${alice}`, { token });
    expect(person.body.data).toMatchObject({ identifier: 'alice', templates: 1, faceImages: 0 });
  });

  it('onboarding refuses a duplicate of an enrolled face', async () => {
    const { flows } = await withAlice();
    const v = await create('onboarding', 'alice-again', {}, flows);
    const res = await validate(v.token, A1);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      code: 'IDENTITY_VERIFICATION_FAILED',
      message: 'IDENTITY_VERIFICATION_FAILED',
      attemptsRemaining: 2,
    });
  });

  it('login passes for the enrolled person with another photo', async () => {
    const { flows, alice } = await withAlice();
    const v = await create('login', 'alice', {}, flows);
    const res = await validate(v.token, A1);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data).toMatchObject({ person: alice, type: 'login', status: 'completed' });
    expect(res.body.data.matchScore).toBeGreaterThanOrEqual(0.9);
    const got = await h.call('GET', `/v2/biometric-validations/${v.biometricValidation._id}`, { token });
    expect(got.body.data.biometricValidation.status).toBe('completed');
    expect(got.body.data.livenessSession.status).toBe('used');
    expect(got.body.data.livenessSession.comparisonResult[0]).toMatchObject({ person: alice, passed: true });
  });

  it('login fails for another person, records each attempt and fails for good at the limit', async () => {
    const { flows } = await withAlice();
    const v = await create('login', 'alice', {}, flows);
    const first = await validate(v.token, B);
    expect(first.status).toBe(400);
    expect(first.body).toMatchObject({ code: 'IDENTITY_VERIFICATION_FAILED', attemptsRemaining: 2 });
    const second = await validate(v.token, NO_FACE);
    expect(second.body).toMatchObject({ code: 'INVALID_BIOMETRIC_DATA', attemptsRemaining: 1 });
    expect(second.body.details[0]).toMatchObject({ path: '/body/image', reason: 'NO_FACE' });
    const third = await validate(v.token, B);
    expect(third.body).toMatchObject({ code: 'IDENTITY_VERIFICATION_FAILED', attemptsRemaining: 0 });
    const fourth = await validate(v.token, A1);
    expect(fourth.status).toBe(409);
    expect(fourth.body).toMatchObject({ code: 'BIOMETRIC_VALIDATION_FAILED', attemptsRemaining: 0 });
    const got = await h.call('GET', `/v2/biometric-validations/${v.biometricValidation._id}`, { token });
    expect(got.body.data.biometricValidation).toMatchObject({ status: 'failed', attempts: 3 });
    expect(got.body.data.livenessSession.livenessResult).toHaveLength(2);
    const list = await h.call('GET', `/v2/biometric-validations?project=${h.demo.project}&status=failed`, {
      token,
    });
    expect(list.body.data.map((x: { _id: string }) => x._id)).toContain(v.biometricValidation._id);
  });

  it('login fails for an identifier nobody is enrolled under', async () => {
    const { flows } = await withAlice();
    const v = await create('login', 'nobody', {}, flows);
    const res = await validate(v.token, A1);
    expect(res.body.code).toBe('IDENTITY_VERIFICATION_FAILED');
  });

  it('refuses a replayed session token once the validation completed', async () => {
    const { flows } = await withAlice();
    const v = await create('login', 'alice', {}, flows);
    expect((await validate(v.token, A1)).status).toBe(200);
    const replay = await validate(v.token, A1);
    expect(replay.status).toBe(409);
    expect(replay.body.code).toBe('BIOMETRIC_VALIDATION_ALREADY_COMPLETED');
  });

  it('lets at most one of two simultaneous attempts on one session succeed', async () => {
    const { flows } = await withAlice();
    const v = await create('login', 'alice', {}, flows);
    const results = await Promise.all([validate(v.token, A1), validate(v.token, A0), validate(v.token, A1)]);
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    for (const r of results.filter((r) => r.status !== 200))
      expect(r.body.code).toBe('BIOMETRIC_VALIDATION_ALREADY_COMPLETED');
  });

  it('answers 410 for an expired liveness session', async () => {
    const { flows } = await withAlice();
    const v = await create('login', 'alice', { expiresAt: new Date(Date.now() + 1500).toISOString() }, flows);
    await new Promise((r) => setTimeout(r, 2100));
    const res = await validate(v.token, A1);
    expect(res.status).toBe(410);
    expect(res.body.code).toBe('LIVENESS_SESSION_EXPIRED');
  });

  it('deleting a person deletes its templates, and the face no longer logs in', async () => {
    const flows = await ownFlows(h);
    const v = await create('onboarding', 'bob', {}, flows);
    const enrolled = await validate(v.token, B);
    expect(enrolled.status).toBe(200);
    const del = await h.call('DELETE', `/v2/persons/${enrolled.body.data.person}`, { token });
    expect(del.body.data).toMatchObject({ deleted: true, templates: 1 });
    expect((await h.call('GET', `/v2/persons/${enrolled.body.data.person}`, { token })).status).toBe(404);
    const login = await create('login', 'bob', {}, flows);
    expect((await validate(login.token, B)).body.code).toBe('IDENTITY_VERIFICATION_FAILED');
  });
});

describe('tokens', () => {
  it('refuses a token of the wrong kind with 403 in each convention', async () => {
    const v = await create('login', 'alice');
    const onCreate = await h.call('POST', '/v2/biometric-validations', {
      token: v.token,
      body: { project: h.demo.project, projectFlow: h.demo.loginFlow, identifier: 'x', type: 'login' },
    });
    expect(onCreate.status).toBe(403);
    expect(onCreate.body.code).toBe('TOKEN_KIND_NOT_ACCEPTED');
    const onValidate = await validate(token, A1);
    expect(onValidate.body).toMatchObject({
      code: 'TOKEN_KIND_NOT_ACCEPTED',
      message: 'TOKEN_KIND_NOT_ACCEPTED',
    });
    const onRegistration = await h.call('POST', '/v2/biometric-validations/app-registration', {
      token,
      body: { image: A1, os: 'DESKTOP' },
    });
    expect(onRegistration.body).toMatchObject({
      code: 'token_kind_not_accepted',
      message: '403:token_kind_not_accepted',
    });
  });

  it('refuses missing, malformed, tampered, unsigned, foreign-key, expired and revoked tokens with 401', async () => {
    const path = '/v2/projects';
    expect((await h.call('GET', path)).body.code).toBe('UNAUTHORIZED');
    expect((await h.call('GET', path, { token: 'not-a-jwt' })).body.code).toBe('INVALID_TOKEN');
    const [head, payload, sig] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload as string, 'base64url').toString());
    const tampered = `${head}.${Buffer.from(JSON.stringify({ ...claims, sub: '000000000000000000000000' })).toString('base64url')}.${sig}`;
    expect((await h.call('GET', path, { token: tampered })).status).toBe(401);
    const none = new UnsecuredJWT(claims).encode();
    expect((await h.call('GET', path, { token: none })).status).toBe(401);
    const noneWithKid = `${Buffer.from(JSON.stringify({ alg: 'none', kid: JSON.parse(Buffer.from(head as string, 'base64url').toString()).kid })).toString('base64url')}.${payload}.`;
    expect((await h.call('GET', path, { token: noneWithKid })).status).toBe(401);
    const { privateKey } = await generateKeyPair('ES256');
    const foreign = await new SignJWT(claims)
      .setProtectedHeader({
        alg: 'ES256',
        kid: JSON.parse(Buffer.from(head as string, 'base64url').toString()).kid,
      })
      .sign(privateKey);
    const res = await h.call('GET', path, { token: foreign });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('invalid_token');
    const expired = await h.server.ctx.keys.sign(
      'client',
      { sub: h.demo.client },
      new Date(Date.now() - 60_000),
      claims.jti,
    );
    expect((await h.call('GET', path, { token: expired })).status).toBe(401);
    const fresh = await h.server.ctx.keys.sign(
      'client',
      { sub: h.demo.client },
      new Date(Date.now() + 60_000),
      claims.jti,
    );
    expect((await h.call('GET', path, { token: fresh })).status).toBe(200);
    const unknownJti = await h.server.ctx.keys.sign(
      'client',
      { sub: h.demo.client },
      new Date(Date.now() + 60_000),
    );
    expect((await h.call('GET', path, { token: unknownJti })).status).toBe(401);
  });

  it('revokes a client access token, and keeps old keys in the JWKS after a rotation', async () => {
    const { issueClientToken } = await import('../src/tokens.js');
    const t = await issueClientToken(h.server.ctx.store, h.server.ctx.keys, h.demo.client, 3600);
    expect((await h.call('GET', '/v2/projects', { token: t.token })).status).toBe(200);
    await h.server.ctx.store.revokeClientToken(t.jti, new Date().toISOString());
    expect((await h.call('GET', '/v2/projects', { token: t.token })).status).toBe(401);
    const before = (await h.call('GET', '/.well-known/jwks.json')).body.keys.length;
    await h.server.ctx.keys.rotate();
    const after = (await h.call('GET', '/.well-known/jwks.json')).body.keys;
    expect(after).toHaveLength(before + 1);
    expect((await h.call('GET', '/v2/projects', { token })).status).toBe(200);
  });
});

describe('bad input', () => {
  it('maps schema violations to each operation’s 400 with details', async () => {
    const c = await h.call('POST', '/v2/biometric-validations', { token, body: { type: 'selfie' } });
    expect(c.status).toBe(400);
    expect(c.body.code).toBe('INVALID_REQUEST');
    expect(c.body.details.map((d: { path: string }) => d.path)).toEqual(
      expect.arrayContaining(['/body/type', '/body/identifier']),
    );
    const v = await create('login', 'alice');
    const bad = await h.call('POST', '/v2/biometric-validations/validate', {
      token: v.token,
      body: { img: 'x' },
    });
    expect(bad.body).toMatchObject({ code: 'INVALID_REQUEST', message: 'INVALID_REQUEST' });
    const reg = await h.call('POST', '/v2/biometric-validations/app-registration', {
      token: h.demo.appRegistrationToken,
      body: { image: 'x', os: 'WINDOWS' },
    });
    expect(reg.body).toMatchObject({ code: 'invalid_request', message: '400:invalid_request' });
    expect(reg.body.details[0].path).toBe('/body/os');
  });

  it('answers 415, 413 and 400 for non-JSON, oversized and malformed bodies', async () => {
    const path = '/v2/biometric-validations';
    const text = await h.call('POST', path, {
      token,
      raw: 'hello',
      headers: { 'content-type': 'text/plain' },
    });
    expect(text.status).toBe(415);
    expect(text.body.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    const big = await h.call('POST', path, {
      token,
      raw: `{"image":"${'a'.repeat(9 * 1024 * 1024)}"}`,
      headers: { 'content-type': 'application/json' },
    });
    expect(big.status).toBe(413);
    const broken = await h.call('POST', path, {
      token,
      raw: '{"project":',
      headers: { 'content-type': 'application/json' },
    });
    expect(broken.status).toBe(400);
    expect(broken.body.code).toBe('INVALID_REQUEST');
    const query = await h.call('GET', '/v2/projects?limit=1000', { token });
    expect(query.status).toBe(400);
  });

  it('refuses a flow of the wrong type, a paused flow and unknown records', async () => {
    const wrongType = await h.call('POST', '/v2/biometric-validations', {
      token,
      body: { project: h.demo.project, projectFlow: h.demo.onboardingFlow, identifier: 'a', type: 'login' },
    });
    expect(wrongType.body.code).toBe('INVALID_PROJECT_FLOW');
    const unknown = await h.call('POST', '/v2/biometric-validations', {
      token,
      body: {
        project: '000000000000000000000000',
        projectFlow: h.demo.loginFlow,
        identifier: 'a',
        type: 'login',
      },
    });
    expect(unknown.body.code).toBe('PROJECT_NOT_FOUND');
    const flow = await h.call('POST', '/v2/project-flows', {
      token,
      body: { project: h.demo.project, type: 'login' },
    });
    expect(flow.body.data).toMatchObject({
      status: 'draft',
      livenessMinScore: 0.6,
      searchMode: 'ACCURATE',
      searchMinScore: 0.9,
      maxAttempts: 3,
      retainFaceImages: false,
      livenessMode: 'active',
    });
    const paused = await h.call('POST', '/v2/biometric-validations', {
      token,
      body: { project: h.demo.project, projectFlow: flow.body.data._id, identifier: 'a', type: 'validation' },
    });
    expect(paused.body.message).toContain('draft');
    const fast = await h.call('PATCH', `/v2/project-flows/${flow.body.data._id}`, {
      token,
      body: { searchMode: 'FAST' },
    });
    expect(fast.body.data.searchMinScore).toBe(0.85);
  });

  it('replays an idempotent create and refuses the key with another body', async () => {
    const body = {
      project: h.demo.project,
      projectFlow: h.demo.loginFlow,
      identifier: 'idem',
      type: 'login',
    };
    const headers = { 'idempotency-key': 'k-1' };
    const a = await h.call('POST', '/v2/biometric-validations', { token, body, headers });
    const b = await h.call('POST', '/v2/biometric-validations', { token, body, headers });
    expect(b.body.data.biometricValidation._id).toBe(a.body.data.biometricValidation._id);
    const c = await h.call('POST', '/v2/biometric-validations', {
      token,
      body: { ...body, identifier: 'other' },
      headers,
    });
    expect(c.status).toBe(409);
    expect(c.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
  });
});

describe('app registration', () => {
  const register = (t: string, image: string, extra: Record<string, unknown> = {}) =>
    h.call('POST', '/v2/biometric-validations/app-registration', {
      token: t,
      body: { image, os: 'DESKTOP', ...extra },
    });

  async function newRegistration(flow = h.demo.onboardingFlow) {
    const res = await h.call('POST', '/v2/app-registrations', {
      token,
      body: {
        project: h.demo.project,
        projectFlow: flow,
        email: `u${Math.random().toString(16).slice(2)}@example.com`,
      },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body.data as { token: string; appRegistration: { _id: string } };
  }

  it('enrols and links a person, then covers each error', async () => {
    const r = await newRegistration();
    const ok = await register(r.token, dataUri(fx.personC[0]));
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body.data).toMatchObject({
      status: 'ONGOING',
      os: 'DESKTOP',
      assignedCollection: h.demo.collection,
    });
    const person = ok.body.data.person;
    const got = await h.call('GET', `/v2/app-registrations/${r.appRegistration._id}`, { token });
    expect(got.body.data.person).toBe(person);

    const again = await register(r.token, dataUri(fx.personC[0]));
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 'person_already_set', message: '409:person_already_set' });
    const forced = await register(r.token, dataUri(fx.personC[0]), { force: true });
    expect(forced.status).toBe(200);
    expect(forced.body.data.person).toBe(person);

    const other = await newRegistration();
    const dup = await register(other.token, dataUri(fx.personC[0]));
    expect(dup.body.code).toBe('person_already_set');

    const image = await register(other.token, dataUri(fx.group));
    expect(image.status).toBe(400);
    expect(image.body).toMatchObject({ code: 'invalid_image', message: '400:invalid_image' });
    expect(image.body.details[0].reason).toBe('MULTIPLE_FACES');

    const strict = await h.call('POST', '/v2/project-flows', {
      token,
      body: {
        project: h.demo.project,
        type: 'onboarding',
        status: 'active',
        livenessMinScore: 0.99,
        assignedCollection: h.demo.collection,
        livenessMode: 'passive',
      },
    });
    const strictReg = await newRegistration(strict.body.data._id);
    const live = await register(strictReg.token, dataUri(fx.singleFacePng));
    expect(live.status).toBe(409);
    expect(live.body.code).toBe('liveness_failed');
    expect(live.body.message).toMatch(/^409:liveness_failed@0\.\d+$/);

    const noCollection = await h.call('POST', '/v2/project-flows', {
      token,
      body: { project: h.demo.project, type: 'onboarding', status: 'active' },
    });
    const bare = await newRegistration(noCollection.body.data._id);
    const notSet = await register(bare.token, dataUri(fx.singleFacePng));
    expect(notSet.body).toMatchObject({ code: 'collection_not_set', message: '409:collection_not_set' });

    const closed = await newRegistration();
    const stored = await h.server.ctx.store.getAppRegistration(closed.appRegistration._id);
    await h.server.ctx.store.saveAppRegistration(
      { ...(stored as NonNullable<typeof stored>), status: 'COMPLETED' },
      {},
    );
    const inactive = await register(closed.token, dataUri(fx.singleFacePng));
    expect(inactive.body).toMatchObject({
      code: 'appRegistration_not_active',
      message: '409:appRegistration_not_active',
    });

    const ghost = await h.server.ctx.keys.sign(
      'app-registration',
      { sub: '000000000000000000000000' },
      new Date(Date.now() + 60_000),
    );
    const missing = await register(ghost, dataUri(fx.singleFacePng));
    expect(missing.body).toMatchObject({
      code: 'appRegistration_not_found',
      message: '404:appRegistration_not_found',
    });

    const byPhone = await h.call('POST', '/v2/app-registrations', {
      token,
      body: {
        project: h.demo.project,
        projectFlow: h.demo.loginFlow,
        countryCode: '+1',
        phone: '5551234567',
      },
    });
    expect(byPhone.body.code).toBe('INVALID_PROJECT_FLOW');
  });
});

describe('resources', () => {
  it('creates, lists, reads and deletes projects, collections and flows', async () => {
    // A collection with a person, which deleting another collection must leave alone.
    const kept = await ownFlows(h);
    await enrol(h, kept, 'kept', A0);
    const projects = async () => (await h.call('GET', '/v2/projects?limit=1', { token })).body.total;
    const before = await projects();
    const p = await h.call('POST', '/v2/projects', { token, body: { name: 'Second' } });
    expect(p.body.data.webhookSecret).toMatch(/^whsec_/);
    const got = await h.call('GET', `/v2/projects/${p.body.data._id}`, { token });
    expect(got.body.data.webhookSecret).toBeUndefined();
    expect(
      (await h.call('PATCH', `/v2/projects/${p.body.data._id}`, { token, body: { name: 'Renamed' } })).body
        .data.name,
    ).toBe('Renamed');
    const list = await h.call('GET', '/v2/projects?limit=1', { token });
    expect(list.body).toMatchObject({ total: before + 1, page: 1, limit: 1 });
    const c = await h.call('POST', '/v2/collections', {
      token,
      body: { project: p.body.data._id, name: 'C' },
    });
    const f = await h.call('POST', '/v2/project-flows', {
      token,
      body: { project: p.body.data._id, type: 'login', assignedCollection: c.body.data._id },
    });
    const inUse = await h.call('DELETE', `/v2/collections/${c.body.data._id}`, { token });
    expect(inUse.body.code).toBe('COLLECTION_IN_USE');
    await h.call('PATCH', `/v2/project-flows/${f.body.data._id}`, {
      token,
      body: { assignedCollection: null },
    });
    const del = await h.call('DELETE', `/v2/collections/${c.body.data._id}`, { token });
    expect(del.body.data).toMatchObject({ deleted: true, persons: 0 });
    expect((await h.call('GET', `/v2/collections/${kept.collection}`, { token })).body.data.persons).toBe(1);
    expect((await h.call('GET', `/v2/persons?collection=${kept.collection}`, { token })).body.total).toBe(1);
    expect((await h.call('GET', '/v2/collections', { token })).status).toBe(200);
    expect((await h.call('GET', '/v2/project-flows', { token })).status).toBe(200);
    expect((await h.call('GET', '/healthz')).body.status).toBe('ok');
    expect((await h.call('GET', '/readyz')).body.status).toBe('ready');
  });
});
