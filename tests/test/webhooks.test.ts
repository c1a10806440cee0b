import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { verifyWebhook } from '@faceproof/client';
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Call, type CallResult, expectAnswer } from '../src/http.js';
import { faces } from '../src/images.js';
import { waitForMail } from '../src/mail-sink.js';
import { updateRecord } from '../src/server-target.js';
import { contract, spec } from '../src/spec.js';

// The real server delivers its webhooks to a receiver on loopback; every delivery is checked
// against the spec's `webhooks:` (payload schema of its event, header schemas) and its Standard
// Webhooks signature is verified with the algorithm the spec describes.
const base = inject('serverUrl');
const mailDir = inject('mailDir');
const dataDir = inject('serverDataDir');
const token = inject('demo').clientAccessToken;

interface Delivery {
  path: string;
  headers: IncomingHttpHeaders;
  raw: string;
  body: any;
}

let receiver: Server;
let receiverUrl = '';
const deliveries: Delivery[] = [];

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = JSON.parse(raw);
      } catch {
        body = undefined;
      }
      deliveries.push({ path: req.url ?? '', headers: req.headers, raw, body });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
});

const hit = (c: Call, status: number, code?: string): Promise<CallResult> =>
  expectAnswer(base, c, status, code);
const face = faces;

interface Setup {
  project: string;
  secret: string;
  collection: string;
  flow: string;
  /** The receiver path this flow's webhooks go to: deliveries of other tests never mix in. */
  hookPath: string;
}

/** A project, a collection and one flow whose webhooks go to a path of the receiver of its own. */
async function flowWithWebhook(settings: Record<string, unknown>): Promise<Setup> {
  const project = await hit({ operationId: 'createProject', token, body: { name: 'Webhook contract' } }, 200);
  const projectId = project.json.data._id;
  const collection = await hit(
    { operationId: 'createCollection', token, body: { project: projectId, name: 'webhook faces' } },
    200,
  );
  const hookPath = `/hooks/${randomUUID()}`;
  const flow = await hit(
    {
      operationId: 'createProjectFlow',
      token,
      body: {
        project: projectId,
        name: 'webhook flow',
        status: 'active',
        // Liveness on real photos scores 0.5 to 0.9 with this engine; one image per attempt.
        livenessMinScore: 0.3,
        livenessMode: 'passive',
        assignedCollection: collection.json.data._id,
        webhookUrl: receiverUrl + hookPath,
        ...settings,
      },
    },
    200,
  );
  return {
    project: projectId,
    secret: project.json.data.webhookSecret,
    collection: collection.json.data._id,
    flow: flow.json.data._id,
    hookPath,
  };
}

async function openValidation(
  s: Setup,
  identifier: string,
  type: string,
  extra: Record<string, unknown> = {},
) {
  const res = await hit(
    {
      operationId: 'createBiometricValidation',
      token,
      body: { project: s.project, projectFlow: s.flow, identifier, type, ...extra },
    },
    200,
  );
  return { id: res.json.data.biometricValidation._id as string, token: res.json.data.token as string };
}

const validate = (sessionToken: string, image: string): Call => ({
  operationId: 'validateBiometricValidation',
  token: sessionToken,
  body: { image },
});

/** Waits (with a deadline) until the flow's hook path received an event of type `event`. */
async function delivered(
  s: Setup,
  event: string,
  timeoutMs = 20_000,
  validation?: string,
): Promise<Delivery> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = deliveries.find(
      (d) =>
        d.path === s.hookPath &&
        d.body?.type === event &&
        (validation === undefined || d.body.data?.biometricValidation === validation),
    );
    if (found) return found;
    if (Date.now() > deadline) {
      const seen = deliveries.filter((d) => d.path === s.hookPath).map((d) => d.body?.type);
      throw new Error(`no ${event} delivered within ${timeoutMs} ms (got: ${seen.join(', ') || 'nothing'})`);
    }
    await sleep(50);
  }
}

/**
 * Everything that makes a delivery disagree with the spec: the headers against the webhook's
 * parameters, the body against its event schema, and the Standard Webhooks signature.
 */
function violations(d: Delivery, secret: string): string[] {
  const hook = contract.webhooks.find((o) => o.path === d.body?.type);
  if (!hook) return [`event ${d.body?.type} is not in the spec's webhooks`];
  const headers = new Headers();
  for (const [name, value] of Object.entries(d.headers))
    if (typeof value === 'string') headers.set(name, value);
  const problems = contract.requestViolations(hook, { headers, text: d.raw });

  const id = String(d.headers['webhook-id']);
  const timestamp = String(d.headers['webhook-timestamp']);
  if (Math.abs(Date.now() / 1000 - Number(timestamp)) > 300) problems.push(`stale timestamp ${timestamp}`);
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${d.raw}`).digest();
  const signed = String(d.headers['webhook-signature'])
    .split(' ')
    .some((entry) => {
      const [version, signature] = entry.split(',');
      const given = Buffer.from(signature ?? '', 'base64');
      return version === 'v1' && given.length === expected.length && timingSafeEqual(given, expected);
    });
  if (!signed) problems.push('no v1 signature matches the project secret');
  return problems;
}

/** The result token verified as the spec says (JWKS, ES256, issuer, audience), and its claims. */
async function verifiedResultClaims(resultToken: string) {
  const jwks = createRemoteJWKSet(new URL(`${base}/.well-known/jwks.json`));
  const { payload, protectedHeader } = await jwtVerify(resultToken, jwks, {
    algorithms: ['ES256'],
    issuer: 'faceproof',
    audience: 'faceproof:result',
  });
  expect(protectedHeader.alg).toBe('ES256');
  const check = contract.compile({ $ref: '#/components/schemas/ResultTokenClaims' });
  expect(check(payload), contract.ajv.errorsText(check.errors)).toBe(true);
  return payload;
}

describe('webhooks of the real server, as the spec describes them', () => {
  it('sends biometric_validation_created_person and _validated for an onboarding', async () => {
    const s = await flowWithWebhook({ type: 'onboarding' });
    const v = await openValidation(s, 'webhook-alice', 'onboarding');
    const res = await hit(validate(v.token, face.alice), 200);

    const created = await delivered(s, 'biometric_validation_created_person');
    expect(violations(created, s.secret)).toEqual([]);
    // The published client's verifier accepts the real delivery as its typed event.
    const verified = await verifyWebhook({ secret: s.secret, body: created.raw, headers: created.headers });
    expect(verified).toMatchObject({
      ok: true,
      event: created.body,
      webhookId: created.headers['webhook-id'],
    });
    expect(created.body.data).toMatchObject({
      biometricValidation: v.id,
      project: s.project,
      projectFlow: s.flow,
      collection: s.collection,
      person: res.json.data.person,
      status: 'completed',
      livenessScore: res.json.data.biometricData.livenessScore,
    });

    const validated = await delivered(s, 'biometric_validation_validated');
    expect(violations(validated, s.secret)).toEqual([]);
    expect(validated.body.data).toMatchObject({
      biometricValidation: v.id,
      identifier: 'webhook-alice',
      type: 'onboarding',
      person: res.json.data.person,
      riskScore: res.json.data.riskScore,
      livenessScore: res.json.data.biometricData.livenessScore,
      token: res.json.data.token,
    });
    const claims = await verifiedResultClaims(validated.body.data.token);
    expect(claims).toMatchObject({
      sub: 'webhook-alice',
      biometricValidation: v.id,
      person: res.json.data.person,
    });
    expect(created.headers['webhook-id']).not.toBe(validated.headers['webhook-id']);
  });

  it('sends biometric_validation_failed when the last attempt fails liveness', async () => {
    const s = await flowWithWebhook({ type: 'onboarding', maxAttempts: 1, livenessMinScore: 0.99 });
    const v = await openValidation(s, 'webhook-bob', 'onboarding');
    await hit(validate(v.token, face.bob), 400, 'LIVENESS_DETECTION_FAILED');
    const failed = await delivered(s, 'biometric_validation_failed');
    expect(violations(failed, s.secret)).toEqual([]);
    expect(failed.body.data).toMatchObject({
      biometricValidation: v.id,
      status: 'failed',
      attempts: 1,
      reason: 'LIVENESS_DETECTION_FAILED',
    });
  });

  it('sends biometric_validation_failed when the last attempt has no usable face', async () => {
    const s = await flowWithWebhook({ type: 'login', maxAttempts: 1 });
    const v = await openValidation(s, 'webhook-nobody', 'login');
    await hit(validate(v.token, face.nobody), 400, 'INVALID_BIOMETRIC_DATA');
    const failed = await delivered(s, 'biometric_validation_failed');
    expect(violations(failed, s.secret)).toEqual([]);
    expect(failed.body.data).toMatchObject({ biometricValidation: v.id, reason: 'INVALID_BIOMETRIC_DATA' });
  });

  // EVENTS.md fix 2: the expired event carries project, projectFlow, type, status and reason like the others.
  it('sends biometric_validation_expired when the liveness session ran out', async () => {
    const s = await flowWithWebhook({ type: 'login' });
    const v = await openValidation(s, 'webhook-late', 'login');
    // The validation's expiry, set by hand in the past, rather than waiting for it.
    updateRecord(
      dataDir,
      'biometric_validations',
      v.id,
      'expires_at',
      new Date(Date.now() - 1_000).toISOString(),
    );
    await hit(validate(v.token, face.alice), 410, 'LIVENESS_SESSION_EXPIRED');
    const expired = await delivered(s, 'biometric_validation_expired');
    expect(violations(expired, s.secret)).toEqual([]);
    expect(expired.body.data).toMatchObject({
      biometricValidation: v.id,
      reason: 'LIVENESS_SESSION_EXPIRED',
    });
  });

  describe('with a code by email', () => {
    const confirm = (sessionToken: string, code: string): Call => ({
      operationId: 'confirmBiometricValidationCode',
      token: sessionToken,
      body: { code },
    });
    const codeFor = async (email: string) => (await waitForMail(mailDir, email, /\b(\d{6})\b/))[1] as string;
    const otherThan = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

    it('enrols at the code: validated, then created_person, with the passing attempt’s liveness', async () => {
      const s = await flowWithWebhook({ type: 'onboarding' });
      const email = `webhook-${randomUUID()}@example.com`;
      const v = await openValidation(s, 'webhook-carol', 'onboarding', { requires2FA: true, email });
      const face_ = await hit(validate(v.token, face.carol), 200);
      expect(face_.json.data.status).toBe('awaiting_2fa');
      expect(face_.json.data.person).toBeUndefined();

      const done = await hit(confirm(v.token, await codeFor(email)), 200);
      expect(done.json.data.person).toBeDefined();
      const created = await delivered(s, 'biometric_validation_created_person');
      expect(violations(created, s.secret)).toEqual([]);
      expect(created.body.data).toMatchObject({
        biometricValidation: v.id,
        status: 'completed',
        person: done.json.data.person,
      });
      const validated = await delivered(s, 'biometric_validation_validated');
      expect(violations(validated, s.secret)).toEqual([]);
      expect(validated.body.data).toMatchObject({
        biometricValidation: v.id,
        status: 'completed',
        token: done.json.data.token,
        livenessScore: face_.json.data.biometricData.livenessScore,
      });
      await verifiedResultClaims(validated.body.data.token);
    });

    // EVENTS.md fix 1: confirm-2fa sends the liveness of the attempt that passed, as validate does,
    // not the highest over all attempts (here a refused first attempt scores higher).
    it('sends, after the code, the liveness score of the attempt that passed', async () => {
      const s = await flowWithWebhook({ type: 'onboarding' });
      const enrolled = await openValidation(s, 'webhook-carol', 'onboarding');
      await hit(validate(enrolled.token, face.carol), 200);
      const email = `webhook-${randomUUID()}@example.com`;
      const v = await openValidation(s, 'webhook-carol', 'validation', { requires2FA: true, email });
      // A first attempt whose liveness is scored (higher than carol's) but whose face matches no one.
      const refused = await hit(validate(v.token, face.aliceAgain), 400, 'IDENTITY_VERIFICATION_FAILED');
      expect(refused.json.attemptsRemaining).toBeGreaterThan(0);
      const passed = await hit(validate(v.token, face.carol), 200);
      await hit(confirm(v.token, await codeFor(email)), 200);
      const validated = await delivered(s, 'biometric_validation_validated', 20_000, v.id);
      expect(violations(validated, s.secret)).toEqual([]);
      expect(validated.body.data.livenessScore).toBe(passed.json.data.biometricData.livenessScore);
    });

    it('sends biometric_validation_failed after the last wrong code', async () => {
      const s = await flowWithWebhook({ type: 'onboarding' });
      const email = `webhook-${randomUUID()}@example.com`;
      const v = await openValidation(s, 'webhook-guess', 'onboarding', { requires2FA: true, email });
      await hit(validate(v.token, face.alice), 200);
      const wrong = otherThan(await codeFor(email));
      let remaining = 1;
      while (remaining > 0)
        remaining = (await hit(confirm(v.token, wrong), 400, 'INVALID_CODE')).json.attemptsRemaining;
      const failed = await delivered(s, 'biometric_validation_failed');
      expect(violations(failed, s.secret)).toEqual([]);
      expect(failed.body.data).toMatchObject({
        biometricValidation: v.id,
        reason: 'CODE_ATTEMPTS_EXHAUSTED',
      });
    });

    // EVENTS.md fix 2: the expired event carries project, projectFlow, type and status like the others.
    it('sends biometric_validation_expired when the code ran out', async () => {
      const s = await flowWithWebhook({ type: 'onboarding' });
      const email = `webhook-${randomUUID()}@example.com`;
      const v = await openValidation(s, 'webhook-slow', 'onboarding', { requires2FA: true, email });
      await hit(validate(v.token, face.alice), 200);
      const code = await codeFor(email);
      // The code's expiry, set by hand in the past, rather than waiting out TWO_FA_CODE_TTL_S.
      updateRecord(
        dataDir,
        'two_factor_codes',
        v.id,
        'expires_at',
        new Date(Date.now() - 1_000).toISOString(),
      );
      await hit(confirm(v.token, code), 410, 'CODE_EXPIRED');
      const expired = await delivered(s, 'biometric_validation_expired');
      expect(violations(expired, s.secret)).toEqual([]);
      expect(expired.body.data).toMatchObject({ biometricValidation: v.id, reason: 'CODE_EXPIRED' });
    });
  });

  describe('app registrations', () => {
    async function registration(s: Setup) {
      const res = await hit(
        {
          operationId: 'createAppRegistration',
          token,
          body: { project: s.project, projectFlow: s.flow, email: `webhook-${randomUUID()}@example.com` },
        },
        200,
      );
      return { id: res.json.data.appRegistration._id as string, token: res.json.data.token as string };
    }
    const enrol = (registrationToken: string, image: string, force?: boolean): Call => ({
      operationId: 'createAppRegistrationBiometricValidation',
      token: registrationToken,
      body: { image, os: 'DESKTOP', ...(force === undefined ? {} : { force }) },
    });

    it('sends app_registration_person_created, then _replaced for a forced new face', async () => {
      const s = await flowWithWebhook({ type: 'onboarding' });
      const r = await registration(s);
      const first = await hit(enrol(r.token, face.carol), 200);

      const created = await delivered(s, 'app_registration_person_created');
      expect(violations(created, s.secret)).toEqual([]);
      expect(created.body.data).toMatchObject({
        appRegistration: r.id,
        project: s.project,
        projectFlow: s.flow,
        collection: s.collection,
        person: first.json.data.person,
      });

      await hit(enrol(r.token, face.carolAgain, true), 200);
      const replaced = await delivered(s, 'app_registration_person_replaced');
      expect(violations(replaced, s.secret)).toEqual([]);
      expect(replaced.body.data).toMatchObject({ appRegistration: r.id, person: first.json.data.person });
    });
  });

  it('covers every event of the spec', () => {
    // Listed here so that a new event in the spec fails this file until a test delivers it.
    expect(Object.keys(spec.webhooks)).toEqual([
      'biometric_validation_validated',
      'biometric_validation_failed',
      'biometric_validation_expired',
      'biometric_validation_created_person',
      'app_registration_person_created',
      'app_registration_person_replaced',
    ]);
  });
});

describe('the delivery checks', () => {
  // The checks above must be able to fail: a tampered body, a wrong secret and a body outside its
  // event's schema are each reported.
  const body = {
    type: 'biometric_validation_failed',
    timestamp: '2024-01-15T10:32:00Z',
    data: {
      biometricValidation: '66e3244369cd15b505d21065',
      project: '66e3244369cd15b505d21001',
      projectFlow: '66e3244369cd15b505d21002',
      identifier: 'u',
      type: 'login',
      status: 'failed',
      attempts: 1,
      reason: 'LIVENESS_DETECTION_FAILED',
    },
  };
  const secret = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`;
  const signedDelivery = (raw: string, signWith = secret): Delivery => {
    const id = 'msg_1';
    const timestamp = String(Math.floor(Date.now() / 1000));
    const key = Buffer.from(signWith.replace(/^whsec_/, ''), 'base64');
    const signature = createHmac('sha256', key).update(`${id}.${timestamp}.${raw}`).digest('base64');
    return {
      path: '/',
      headers: {
        'content-type': 'application/json',
        'webhook-id': id,
        'webhook-timestamp': timestamp,
        'webhook-signature': `v1,${signature}`,
      },
      raw,
      body: JSON.parse(raw),
    };
  };

  it('accept a well-formed, well-signed delivery', () => {
    expect(violations(signedDelivery(JSON.stringify(body)), secret)).toEqual([]);
  });

  it('report a wrong signature, a tampered body and a payload outside the schema', () => {
    const other = `whsec_${Buffer.from('another key of thirty-two bytes!').toString('base64')}`;
    expect(violations(signedDelivery(JSON.stringify(body), other), secret)).toEqual([
      'no v1 signature matches the project secret',
    ]);
    const tampered = signedDelivery(JSON.stringify(body));
    tampered.raw = tampered.raw.replace('"attempts":1', '"attempts":2');
    expect(violations(tampered, secret)).toEqual(['no v1 signature matches the project secret']);
    const { reason: _reason, ...withoutReason } = body.data;
    const problems = violations(signedDelivery(JSON.stringify({ ...body, data: withoutReason })), secret);
    expect(problems.join('\n')).toMatch(/reason/);
  });

  it('report a result token of another audience', async () => {
    const notResult = decodeJwt(inject('demo').clientAccessToken);
    expect(notResult.aud).not.toBe('faceproof:result');
    await expect(verifiedResultClaims(inject('demo').clientAccessToken)).rejects.toThrow(/aud/);
  });
});
