import { createServer } from 'node:net';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import type { ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { dataUri, fx, type Harness, startServer } from './helpers.js';
import { type SmtpSink, startSmtpSink } from './smtp-sink.js';

const CODE_TTL_S = 3;
const A0 = dataUri(fx.personA[0]);
const A1 = dataUri(fx.personA[1]);

let h: Harness;
let sink: SmtpSink | undefined;
let smtpPort = 0;
let seq = 0;

async function freePort() {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const p = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return p;
}

beforeAll(async () => {
  // The mail server is down when the API starts: the first test brings it up late.
  smtpPort = await freePort();
  h = await startServer({
    SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
    MAIL_FROM: 'Faceproof <verify@faceproof.test>',
    MAIL_BASE_DELAY_MS: '100',
    MAIL_POLL_MS: '50',
    MAIL_TIMEOUT_MS: '2000',
    TWO_FA_CODE_TTL_S: String(CODE_TTL_S),
  });
});
afterAll(async () => {
  await h?.close();
  await sink?.close();
});

const email = () => `user${++seq}@example.com`;
const to = (m: ParsedMail) => (Array.isArray(m.to) ? m.to[0]?.text : m.to?.text) ?? '';

async function create(body: Record<string, unknown>) {
  const res = await h.call('POST', '/v2/biometric-validations', {
    token: h.demo.clientAccessToken,
    body: {
      project: h.demo.project,
      projectFlow: body.type === 'onboarding' ? h.demo.onboardingFlow : h.demo.loginFlow,
      ...body,
    },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.data as { token: string; biometricValidation: Record<string, any> };
}

const get = async (id: string) =>
  (await h.call('GET', `/v2/biometric-validations/${id}`, { token: h.demo.clientAccessToken })).body.data
    .biometricValidation;
const validate = (token: string, image: string) =>
  h.call('POST', '/v2/biometric-validations/validate', { token, body: { image } });
const confirm = (token: string, code: unknown) =>
  h.call('POST', '/v2/biometric-validations/confirm-2fa', { token, body: { code } });
const linkIn = (m: ParsedMail) => /(https?:\/\/\S+#token=[\w.-]+)/.exec(m.text ?? '')?.[1] ?? '';
const codeIn = (m: ParsedMail) => /\b(\d{6})\b/.exec(m.text ?? '')?.[1] ?? '';
const otherThan = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

/** A login for alice (enrolled by the first link test) that passed its face and waits for its code. */
async function awaitingCode(language: 'en' | 'es' = 'en') {
  const address = email();
  const v = await create({
    identifier: 'alice',
    type: 'login',
    requires2FA: true,
    email: address,
    language,
    redirectUrl: 'https://example.com/welcome',
  });
  const passed = await validate(v.token, A1);
  expect(passed.status, JSON.stringify(passed.body)).toBe(200);
  expect(passed.body.data).toMatchObject({ status: 'awaiting_2fa', token: '' });
  expect(passed.body.data.redirectUrl).toBeUndefined();
  const mail = await (sink as SmtpSink).next((m) => to(m) === address);
  return { v, mail, code: codeIn(mail) };
}

describe('capture link by email', () => {
  it('reaches a mail server that was down at first, retried from the outbox, without delaying create', async () => {
    const address = email();
    const started = Date.now();
    const v = await create({
      identifier: 'alice',
      type: 'onboarding',
      sendViaEmail: true,
      email: address,
      language: 'en',
      redirectUrl: 'https://example.com/done',
    });
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(v.biometricValidation.emailStatus).toBe('pending');
    // Several sends fail against the closed port meanwhile (first retry after ~100 ms, then doubling).
    await new Promise((r) => setTimeout(r, 700));
    const before = await get(v.biometricValidation._id);
    expect(before.emailStatus).toBe('pending');
    expect(before.emailSentAt).toBeUndefined();

    sink = await startSmtpSink(smtpPort);
    const up = Date.now();
    const mail = await sink.next((m) => to(m) === address);
    expect(mail.date?.getTime() ?? up).toBeGreaterThanOrEqual(up - 1_000);
    expect(mail.from?.value[0]).toMatchObject({ name: 'Faceproof', address: 'verify@faceproof.test' });
    expect(mail.subject).toBe('Verify your identity');
    expect(mail.html).toContain('<html lang="en">');
    const link = new URL(linkIn(mail));
    expect(link.pathname).toBe(`/capture/${v.biometricValidation._id}`);
    expect(link.searchParams.get('lang')).toBe('en');
    expect(mail.html).toContain(link.href.replace(/&/g, '&amp;'));
    const after = await get(v.biometricValidation._id);
    expect(after.emailStatus).toBe('sent');
    expect(Date.parse(after.emailSentAt)).toBeGreaterThanOrEqual(up - 1_000);

    // The token in the emailed link validates that validation (and enrols alice for the tests below).
    const token = new URLSearchParams(link.hash.slice(1)).get('token') as string;
    const res = await validate(token, A0);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data).toMatchObject({ _id: v.biometricValidation._id, status: 'completed' });
  });

  it('sends the link in Spanish, and it opens the right validation', async () => {
    const address = email();
    const other = await create({ identifier: 'alice', type: 'login', sendViaEmail: true, email: email() });
    const v = await create({
      identifier: 'alice',
      type: 'login',
      sendViaEmail: true,
      email: address,
      language: 'es',
    });
    const mail = await (sink as SmtpSink).next((m) => to(m) === address);
    expect(mail.subject).toBe('Verifica tu identidad');
    expect(mail.text).toContain('confirma que eres tú');
    expect(mail.html).toContain('<html lang="es">');
    const link = new URL(linkIn(mail));
    expect(link.pathname).toBe(`/capture/${v.biometricValidation._id}`);
    expect(link.searchParams.get('lang')).toBe('es');
    const token = new URLSearchParams(link.hash.slice(1)).get('token') as string;
    const res = await validate(token, A1);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data._id).toBe(v.biometricValidation._id);
    expect((await get(other.biometricValidation._id)).status).toBe('new');
    const list = await h.call('GET', `/v2/biometric-validations?project=${h.demo.project}&limit=100`, {
      token: h.demo.clientAccessToken,
    });
    const listed = list.body.data.find((x: { _id: string }) => x._id === v.biometricValidation._id);
    expect(listed).toMatchObject({ status: 'completed', emailStatus: 'sent' });
  });
});

describe('second factor', () => {
  it('completes with the emailed code (token and redirect only then); a reused code is refused', async () => {
    const { v, mail, code } = await awaitingCode();
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
    expect(ok.body.data).toMatchObject({
      _id: v.biometricValidation._id,
      status: 'completed',
      identifier: 'alice',
    });
    const jwks = createRemoteJWKSet(new URL(`${h.base}/.well-known/jwks.json`));
    const { payload } = await jwtVerify(ok.body.data.token, jwks, { audience: 'faceproof:result' });
    expect(payload).toMatchObject({ sub: 'alice', biometricValidation: v.biometricValidation._id });

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

  it('refuses an expired code and the validation ends expired', async () => {
    const { v, code } = await awaitingCode();
    await new Promise((r) => setTimeout(r, CODE_TTL_S * 1000 + 200));
    const late = await confirm(v.token, code);
    expect(late.status).toBe(410);
    expect(late.body).toMatchObject({ code: 'CODE_EXPIRED', message: 'CODE_EXPIRED' });
    expect((await confirm(v.token, code)).body.code).toBe('CODE_EXPIRED');
    expect((await get(v.biometricValidation._id)).status).toBe('expired');
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
    const v = await create({ identifier: 'alice', type: 'login' });
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
