import { createServer, type Server as NetServer, type Socket } from 'node:net';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import type { ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { nowIso } from '../src/ids.js';
import { dataUri, enrol, eventually, fx, type Harness, ownFlows, startServer, unique } from './helpers.js';
import { type SmtpSink, startSmtpSink } from './smtp-sink.js';

// Every test makes its own person, flows and addresses, and waits for what the outbox does in the
// background (a mail received, its status recorded) by polling: none depends on another's order.
const CODE_TTL_S = 900;
const A0 = dataUri(fx.personA[0]);
const A1 = dataUri(fx.personA[1]);
const mailEnv = {
  MAIL_FROM: 'Faceproof <verify@faceproof.test>',
  MAIL_BASE_DELAY_MS: '100',
  MAIL_POLL_MS: '50',
  MAIL_TIMEOUT_MS: '2000',
  TWO_FA_CODE_TTL_S: String(CODE_TTL_S),
};

let h: Harness;
let sink: SmtpSink;

beforeAll(async () => {
  sink = await startSmtpSink();
  h = await startServer({ SMTP_URL: `smtp://127.0.0.1:${sink.port}`, ...mailEnv });
});
afterAll(async () => {
  await h?.close();
  await sink?.close();
});

const to = (m: ParsedMail) => (Array.isArray(m.to) ? m.to[0]?.text : m.to?.text) ?? '';
const address = () => `${unique('user')}@example.com`;

async function create(on: Harness, body: Record<string, unknown>) {
  const res = await on.call('POST', '/v2/biometric-validations', {
    token: on.demo.clientAccessToken,
    body: {
      project: on.demo.project,
      projectFlow: body.type === 'onboarding' ? on.demo.onboardingFlow : on.demo.loginFlow,
      ...body,
    },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.data as { token: string; biometricValidation: Record<string, any> };
}

const get = async (id: string, on = h) =>
  (await on.call('GET', `/v2/biometric-validations/${id}`, { token: on.demo.clientAccessToken })).body.data
    .biometricValidation;
/** The validation once the outbox has recorded its link mail as sent (it does so after the send). */
const sent = (id: string, on = h) =>
  eventually(
    `emailStatus of ${id} sent`,
    () => get(id, on),
    (v) => v.emailStatus === 'sent',
  );
const validate = (token: string, image: string, on = h) =>
  on.call('POST', '/v2/biometric-validations/validate', { token, body: { image } });
const confirm = (token: string, code: unknown) =>
  h.call('POST', '/v2/biometric-validations/confirm-2fa', { token, body: { code } });
const linkIn = (m: ParsedMail) => /(https?:\/\/\S+#token=[\w.-]+)/.exec(m.text ?? '')?.[1] ?? '';
const tokenIn = (link: URL) => new URLSearchParams(link.hash.slice(1)).get('token') as string;
const codeIn = (m: ParsedMail) => /\b(\d{6})\b/.exec(m.text ?? '')?.[1] ?? '';
const otherThan = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

/** A person of its own, enrolled, whose login passed its face and waits for the emailed code. */
async function awaitingCode(language: 'en' | 'es' = 'en') {
  const flows = await ownFlows(h);
  const identifier = unique('person');
  await enrol(h, flows, identifier, A0);
  const recipient = address();
  const v = await create(h, {
    identifier,
    type: 'login',
    projectFlow: flows.loginFlow,
    requires2FA: true,
    email: recipient,
    language,
    redirectUrl: 'https://example.com/welcome',
  });
  const passed = await validate(v.token, A1);
  expect(passed.status, JSON.stringify(passed.body)).toBe(200);
  expect(passed.body.data).toMatchObject({ status: 'awaiting_2fa', token: '' });
  expect(passed.body.data.redirectUrl).toBeUndefined();
  const mail = await sink.next((m) => to(m) === recipient);
  return { v, identifier, mail, code: codeIn(mail) };
}

/**
 * A mail server that is down, on a port it keeps (so nothing else can take it before the real one
 * starts there). At first it holds every connection without a greeting, like a stuck server; after
 * `refuse()` it answers each with 421, which fails the send (a hang-up would instead be retried
 * inside nodemailer's pool, out of the outbox's sight).
 */
async function downMailServer() {
  const sockets = new Set<Socket>();
  const refusedAt: number[] = [];
  let refusing = false;
  let givenUp = 0;
  const refuse = (socket: Socket) => {
    refusedAt.push(Date.now());
    socket.end('421 faceproof.test Service not available\r\n');
  };
  const server: NetServer = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    if (refusing) refuse(socket);
    else socket.on('end', () => givenUp++);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as { port: number }).port,
    /** Sends waiting for a greeting. */
    held: () => (refusing ? 0 : sockets.size),
    /** Held sends the client gave up on (its timeout). */
    givenUp: () => givenUp,
    /** When each refused send was refused. */
    refusedAt,
    refuse() {
      refusing = true;
      for (const s of sockets) refuse(s);
    },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

describe('capture link by email', () => {
  it('reaches a mail server that was down at first, retried from the outbox, without delaying create', async () => {
    const down = await downMailServer();
    // Its own server: the mail server of the others stays up.
    const late = await startServer({
      SMTP_URL: `smtp://127.0.0.1:${down.port}`,
      ...mailEnv,
      // Long enough that a create waiting for the stuck send could not answer before it ends.
      MAIL_TIMEOUT_MS: '30000',
      ENGINE_WORKERS: '1',
    });
    let lateSink: SmtpSink | undefined;
    try {
      const recipient = address();
      const v = await create(late, {
        identifier: unique('person'),
        type: 'onboarding',
        sendViaEmail: true,
        email: recipient,
        language: 'en',
        redirectUrl: 'https://example.com/done',
      });
      expect(v.biometricValidation.emailStatus).toBe('pending');
      // The create answered before any send gave up on the stuck mail server: it did not wait for it.
      expect(down.givenUp()).toBe(0);
      await eventually('a send waiting for the mail server', down.held, (n) => n > 0);
      // Now the mail server refuses every send; the outbox retries (after ~100 ms, then doubling).
      down.refuse();
      await eventually(
        'three refused sends',
        () => down.refusedAt.length,
        (n) => n >= 3,
      );
      const before = await get(v.biometricValidation._id, late);
      expect(before.emailStatus).toBe('pending');
      expect(before.emailSentAt).toBeUndefined();

      await down.close();
      const beforeUp = Date.now();
      lateSink = await startSmtpSink(down.port);
      const mail = await lateSink.next((m) => to(m) === recipient);
      // Rendered by a retry after the refusals (the Date header counts whole seconds).
      const secondOf = (ms: number) => Math.floor(ms / 1000) * 1000;
      expect(mail.date?.getTime()).toBeGreaterThanOrEqual(secondOf(down.refusedAt[2] as number));
      expect(mail.from?.value[0]).toMatchObject({ name: 'Faceproof', address: 'verify@faceproof.test' });
      expect(mail.subject).toBe('Verify your identity');
      expect(mail.html).toContain('<html lang="en">');
      const link = new URL(linkIn(mail));
      expect(link.pathname).toBe(`/capture/${v.biometricValidation._id}`);
      expect(link.searchParams.get('lang')).toBe('en');
      expect(mail.html).toContain(link.href.replace(/&/g, '&amp;'));
      const after = await sent(v.biometricValidation._id, late);
      expect(Date.parse(after.emailSentAt)).toBeGreaterThanOrEqual(beforeUp);

      // The token in the emailed link validates that validation.
      const res = await validate(tokenIn(link), A0, late);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.data).toMatchObject({ _id: v.biometricValidation._id, status: 'completed' });
    } finally {
      await late.close();
      await lateSink?.close();
      await down.close();
    }
  });

  it('sends the link in Spanish, and it opens the right validation', async () => {
    const flows = await ownFlows(h);
    const identifier = unique('person');
    await enrol(h, flows, identifier, A0);
    const login = { identifier, type: 'login', projectFlow: flows.loginFlow, sendViaEmail: true };
    const other = await create(h, { ...login, email: address() });
    const recipient = address();
    const v = await create(h, { ...login, email: recipient, language: 'es' });
    const mail = await sink.next((m) => to(m) === recipient);
    expect(mail.subject).toBe('Verifica tu identidad');
    expect(mail.text).toContain('confirma que eres tú');
    expect(mail.html).toContain('<html lang="es">');
    const link = new URL(linkIn(mail));
    expect(link.pathname).toBe(`/capture/${v.biometricValidation._id}`);
    expect(link.searchParams.get('lang')).toBe('es');
    const res = await validate(tokenIn(link), A1);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data._id).toBe(v.biometricValidation._id);
    expect((await get(other.biometricValidation._id)).status).toBe('new');
    await sent(v.biometricValidation._id);
    const list = await h.call('GET', `/v2/biometric-validations?project=${h.demo.project}&limit=100`, {
      token: h.demo.clientAccessToken,
    });
    const listed = list.body.data.find((x: { _id: string }) => x._id === v.biometricValidation._id);
    expect(listed).toMatchObject({ status: 'completed', emailStatus: 'sent' });
  });
});

describe('second factor', () => {
  it('completes with the emailed code (token and redirect only then); a reused code is refused', async () => {
    const { v, identifier, mail, code } = await awaitingCode();
    expect(mail.subject).toBe('Your verification code');
    expect(code).toMatch(/^\d{6}$/);
    expect((await get(v.biometricValidation._id)).status).toBe('awaiting_2fa');
    // The code is stored hashed: it appears nowhere in the database row.
    const stored = await h.server.ctx.store.getTwoFactorCode(v.biometricValidation._id);
    expect(stored?.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(stored)).not.toContain(code);

    const wrong = await confirm(v.token, otherThan(code));
    expect(wrong.status).toBe(400);
    expect(wrong.body).toMatchObject({ code: 'INVALID_CODE', message: 'INVALID_CODE', attemptsRemaining: 4 });
    const ok = await confirm(v.token, code);
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body.data).toMatchObject({ _id: v.biometricValidation._id, status: 'completed', identifier });
    const jwks = createRemoteJWKSet(new URL(`${h.base}/.well-known/jwks.json`));
    const { payload } = await jwtVerify(ok.body.data.token, jwks, { audience: 'faceproof:result' });
    expect(payload).toMatchObject({ sub: identifier, biometricValidation: v.biometricValidation._id });

    expect(new URL(ok.body.data.redirectUrl).searchParams.get('token')).toBe(ok.body.data.token);

    const reused = await confirm(v.token, code);
    expect(reused.status).toBe(409);
    expect(reused.body.code).toBe('BIOMETRIC_VALIDATION_ALREADY_COMPLETED');
    expect((await validate(v.token, A1)).status).toBe(409);
    expect(await get(v.biometricValidation._id)).toMatchObject({ status: 'completed' });
  });

  it('sends the code in Spanish, and lets only one of two simultaneous right codes through', async () => {
    const { v, mail, code } = await awaitingCode('es');
    expect(mail.subject).toBe('Tu código de verificación');
    expect(mail.html).toContain(code);
    const results = await Promise.all([confirm(v.token, code), confirm(v.token, code)]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
  });

  it('gives the code TWO_FA_CODE_TTL_S, refuses it once expired, and the validation ends expired', async () => {
    const { v, code } = await awaitingCode();
    const id = v.biometricValidation._id;
    const stored = await h.server.ctx.store.getTwoFactorCode(id);
    if (!stored) throw new Error(`no code stored for ${id}`);
    expect(Date.parse(stored.expiresAt) - Date.parse(stored.createdAt)).toBe(CODE_TTL_S * 1000);
    // Rather than wait out the TTL, the code's expiry is moved to the past in the database.
    await h.server.ctx.store.putTwoFactorCode({ ...stored, expiresAt: nowIso(Date.now() - 1_000) });
    const late = await confirm(v.token, code);
    expect(late.status).toBe(410);
    expect(late.body).toMatchObject({ code: 'CODE_EXPIRED', message: 'CODE_EXPIRED' });
    expect((await confirm(v.token, code)).body.code).toBe('CODE_EXPIRED');
    expect((await get(id)).status).toBe('expired');
  });

  it('fails for good after five wrong codes, even when they arrive at once', async () => {
    const { v, code } = await awaitingCode();
    const wrong = await Promise.all(Array.from({ length: 7 }, () => confirm(v.token, otherThan(code))));
    const counted = wrong.filter((r) => r.status === 400);
    expect(counted.map((r) => r.body.attemptsRemaining).sort()).toEqual([0, 1, 2, 3, 4]);
    for (const r of wrong.filter((r) => r.status !== 400)) {
      expect(r.status).toBe(409);
      expect(r.body).toMatchObject({ code: 'CODE_ATTEMPTS_EXHAUSTED', attemptsRemaining: 0 });
    }
    const right = await confirm(v.token, code);
    expect(right.status).toBe(409);
    expect(right.body.code).toBe('CODE_ATTEMPTS_EXHAUSTED');
    expect((await get(v.biometricValidation._id)).status).toBe('failed');
  });

  it('answers the documented errors for a validation without a code, a bad body and a wrong token', async () => {
    const v = await create(h, { identifier: unique('person'), type: 'login' });
    const notAwaiting = await confirm(v.token, '123456');
    expect(notAwaiting.status).toBe(409);
    expect(notAwaiting.body.code).toBe('BIOMETRIC_VALIDATION_NOT_AWAITING_CODE');
    for (const bad of ['12345', '12a456', 123456]) {
      const res = await confirm(v.token, bad);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('INVALID_REQUEST');
    }
    expect((await confirm(h.demo.clientAccessToken, '123456')).status).toBe(403);
    expect(
      (await h.call('POST', '/v2/biometric-validations/confirm-2fa', { body: { code: '123456' } })).status,
    ).toBe(401);
  });
});

describe('second factor of an onboarding', () => {
  const B = dataUri(fx.personB);

  /** A 2FA onboarding of its own collection whose face passed; nobody is enrolled yet. */
  async function onboardingAwaitingCode(image = A0, flows?: Awaited<ReturnType<typeof ownFlows>>) {
    const own = flows ?? (await ownFlows(h));
    const identifier = unique('newcomer');
    const recipient = address();
    const v = await create(h, {
      identifier,
      type: 'onboarding',
      projectFlow: own.onboardingFlow,
      requires2FA: true,
      email: recipient,
    });
    const passed = await validate(v.token, image);
    expect(passed.status, JSON.stringify(passed.body)).toBe(200);
    expect(passed.body.data).toMatchObject({ status: 'awaiting_2fa', token: '', matchScore: 1 });
    expect(passed.body.data.person).toBeUndefined();
    const mail = await sink.next((m) => to(m) === recipient);
    return { v, id: v.biometricValidation._id as string, identifier, flows: own, code: codeIn(mail) };
  }

  const persons = async (collection: string) =>
    (await h.call('GET', `/v2/persons?collection=${collection}`, { token: h.demo.clientAccessToken })).body
      .data as { _id: string; identifier: string; templates: number }[];
  /** A plain onboarding (no 2FA) of `identifier` with `image` into `flows`' collection. */
  const onboardNow = async (flows: { onboardingFlow: string }, identifier: string, image: string) =>
    validate(
      (await create(h, { identifier, type: 'onboarding', projectFlow: flows.onboardingFlow })).token,
      image,
    );

  it('enrols nobody until the code is confirmed, then enrols the person the response names', async () => {
    const s = await onboardingAwaitingCode();
    expect(await persons(s.flows.collection)).toEqual([]);
    expect(await h.server.ctx.store.getHeldEnrolment(s.id)).toBeDefined();
    // Nobody to log in as yet: the face passed, the person does not exist.
    const login = await create(h, {
      identifier: s.identifier,
      type: 'login',
      projectFlow: s.flows.loginFlow,
    });
    expect((await validate(login.token, A1)).body.code).toBe('IDENTITY_VERIFICATION_FAILED');

    const ok = await confirm(s.v.token, s.code);
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body.data).toMatchObject({ status: 'completed', identifier: s.identifier });
    const person = ok.body.data.person as string;
    expect(await persons(s.flows.collection)).toMatchObject([
      { _id: person, identifier: s.identifier, templates: 1 },
    ]);
    expect(await get(s.id)).toMatchObject({ status: 'completed' });
    expect(await h.server.ctx.store.getHeldEnrolment(s.id)).toBeUndefined();
    const jwks = createRemoteJWKSet(new URL(`${h.base}/.well-known/jwks.json`));
    const { payload } = await jwtVerify(ok.body.data.token, jwks, { audience: 'faceproof:result' });
    expect(payload).toMatchObject({ sub: s.identifier, person });
    // The new person logs in with another photo.
    const again = await create(h, {
      identifier: s.identifier,
      type: 'login',
      projectFlow: s.flows.loginFlow,
    });
    const logged = await validate(again.token, A1);
    expect(logged.status, JSON.stringify(logged.body)).toBe(200);
    expect(logged.body.data.person).toBe(person);
  });

  it('leaves nobody enrolled and nothing held after an expired code or the last wrong one', async () => {
    const flows = await ownFlows(h);
    const expired = await onboardingAwaitingCode(A0, flows);
    const stored = await h.server.ctx.store.getTwoFactorCode(expired.id);
    if (!stored) throw new Error(`no code stored for ${expired.id}`);
    await h.server.ctx.store.putTwoFactorCode({ ...stored, expiresAt: nowIso(Date.now() - 1_000) });
    expect((await confirm(expired.v.token, expired.code)).body.code).toBe('CODE_EXPIRED');

    const wrong = await onboardingAwaitingCode(A0, flows);
    for (let i = 0; i < 5; i++) await confirm(wrong.v.token, otherThan(wrong.code));
    expect((await confirm(wrong.v.token, wrong.code)).body.code).toBe('CODE_ATTEMPTS_EXHAUSTED');

    expect(await get(expired.id)).toMatchObject({ status: 'expired' });
    expect(await get(wrong.id)).toMatchObject({ status: 'failed' });
    for (const id of [expired.id, wrong.id])
      expect(await h.server.ctx.store.getHeldEnrolment(id)).toBeUndefined();
    expect(await persons(flows.collection)).toEqual([]);
    // Neither the identifier nor the face is taken: both onboard at once without a code.
    const fresh = await onboardNow(flows, wrong.identifier, A0);
    expect(fresh.status, JSON.stringify(fresh.body)).toBe(200);
    expect(fresh.body.data.status).toBe('completed');
  });

  it('fails with 409, enrolling nobody, when the face or the identifier was enrolled while the code was awaited', async () => {
    const byFace = await onboardingAwaitingCode(A0);
    const first = await onboardNow(byFace.flows, unique('quicker'), A1);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    const late = await confirm(byFace.v.token, byFace.code);
    expect(late.status, JSON.stringify(late.body)).toBe(409);
    expect(late.body).toMatchObject({ code: 'IDENTITY_VERIFICATION_FAILED', attemptsRemaining: 0 });
    expect(late.body.details[0].message).toMatch(/already enrolled in the collection/);
    expect(await persons(byFace.flows.collection)).toMatchObject([{ _id: first.body.data.person }]);
    expect(await get(byFace.id)).toMatchObject({ status: 'failed' });
    expect((await confirm(byFace.v.token, byFace.code)).body.code).toBe(
      'BIOMETRIC_VALIDATION_NOT_AWAITING_CODE',
    );

    const byIdentifier = await onboardingAwaitingCode(A0);
    const taken = await onboardNow(byIdentifier.flows, byIdentifier.identifier, B);
    expect(taken.status, JSON.stringify(taken.body)).toBe(200);
    const refused = await confirm(byIdentifier.v.token, byIdentifier.code);
    expect(refused.status, JSON.stringify(refused.body)).toBe(409);
    expect(refused.body.details[0].message).toBe(
      `A person is already enrolled as ${byIdentifier.identifier}.`,
    );
    expect(await persons(byIdentifier.flows.collection)).toHaveLength(1);
  });

  it('of one face under two identifiers, confirmed at once, enrol exactly one person', async () => {
    const flows = await ownFlows(h);
    const a = await onboardingAwaitingCode(A0, flows);
    const b = await onboardingAwaitingCode(A1, flows);
    const answers = await Promise.all([confirm(a.v.token, a.code), confirm(b.v.token, b.code)]);
    expect(answers.map((r) => r.status).sort(), JSON.stringify(answers.map((r) => r.body))).toEqual([
      200, 409,
    ]);
    const winner = answers.find((r) => r.status === 200)?.body.data.person;
    expect(await persons(flows.collection)).toMatchObject([{ _id: winner }]);
  });
});

describe('mail configuration', () => {
  it('is validated at start', () => {
    expect(() => loadConfig({ SMTP_URL: 'http://mail.example.com' })).toThrow(/SMTP_URL/);
    expect(() => loadConfig({ SMTP_URL: 'smtp://127.0.0.1:25' })).toThrow(/MAIL_FROM/);
    expect(() => loadConfig({ SMTP_URL: 'smtp://a', SMTP_HOST: 'b', MAIL_FROM: 'a@b.c' })).toThrow(
      /SMTP_HOST/,
    );
    expect(() => loadConfig({ SMTP_HOST: 'mail', SMTP_USER: 'u', MAIL_FROM: 'a@b.c' })).toThrow(/SMTP_PASS/);
    expect(() => loadConfig({ SMTP_HOST: 'mail', MAIL_FROM: 'not an address' })).toThrow(/MAIL_FROM/);
    const c = loadConfig({
      SMTP_HOST: 'mail',
      SMTP_SECURE: 'true',
      SMTP_PORT: '465',
      MAIL_FROM: 'Acme <id@acme.test>',
    });
    expect(c).toMatchObject({
      SMTP_SECURE: true,
      SMTP_PORT: 465,
      TWO_FA_CODE_TTL_S: 600,
      TWO_FA_MAX_ATTEMPTS: 5,
    });
  });
});
