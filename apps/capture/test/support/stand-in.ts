/**
 * Test double of the real server for the page's own tests: the capture plugin, plus
 * `POST /v2/biometric-validations/validate` answering with the spec's named examples
 * (read from the bundled spec, never restated). The token picks the scenario:
 * `scenario.<name>.<anything>`. Scenarios `engine`, `noredirect` and `busy` run the real
 * face engine on the image, so the photo the page took from the fake camera is really checked.
 */
import { createEngine, type FaceEngine } from '@faceproof/face-engine';
import Fastify, { type FastifyInstance } from 'fastify';
import sharp from 'sharp';
// The built plugin: it serves the assets the build wrote to dist/web/.
import { capturePlugin } from '../../dist/index.js';
import { challengeExample, confirmExample, contract, documentedCode, example } from './spec.js';

export interface RecordedCall {
  token: string;
  contentType: string | undefined;
  referer: string | undefined;
  origin: string | undefined;
  image: string;
  /** Active liveness: the challenge answered and the frames sent with it. */
  challengeId?: string | undefined;
  frames?: { image: string; capturedAtMs: number }[] | undefined;
  format?: string | undefined;
  width?: number | undefined;
  height?: number | undefined;
  status: number;
}

const MAX_ATTEMPTS = 3;
const MAX_CODE_TRIES = 5;

export interface StandIn {
  app: FastifyInstance;
  origin: string;
  calls: RecordedCall[];
  /** Every confirm-2fa call, in order. */
  codeCalls: { token: string; code: string }[];
  /** Every challenge issued, by token, in order. */
  challenges: { token: string; id: string; steps: string[] }[];
  close(): Promise<void>;
}

export async function startStandIn(opts: { engine?: FaceEngine } = {}): Promise<StandIn> {
  const engine = opts.engine ?? (await createEngine({ workers: 1 }));
  const checkBody = contract.compile({ $ref: '#/components/schemas/ValidateBiometricValidationRequest' });
  const attempts = new Map<string, number>();
  const completed = new Set<string>();
  const busyOnce = new Set<string>();
  const awaiting = new Set<string>();
  const codeTries = new Map<string, number>();
  const confirmed = new Set<string>();
  const calls: RecordedCall[] = [];
  const codeCalls: { token: string; code: string }[] = [];
  let origin = '';

  const app = Fastify({ bodyLimit: 8 * 1024 * 1024 });
  await app.register(capturePlugin);

  app.get('/welcome', async (_req, reply) =>
    reply.type('text/html').send('<!doctype html><title>Welcome</title><h1>Welcome back</h1>'),
  );

  // The liveness mode and challenge: the scenarios whose name starts with `active` are active flows
  // (the documented example, its times moved to now; `activetimeout` gives it 3 s to live), the
  // others passive, as every flow was before issue 14.
  const challenges: { token: string; id: string; steps: string[] }[] = [];
  app.post('/v2/biometric-validations/liveness-challenge', async (request, reply) => {
    const auth = request.headers.authorization ?? '';
    const token = auth.startsWith('Bearer ') ? auth.slice(7) : '';
    const scenario = token.split('.')[1] ?? '';
    // `expired` and `completed` sessions end at the photo (they ended after the page opened);
    // `expiredatstart` had already expired when the page asked for its mode.
    if (scenario === 'expiredatstart') return reply.code(410).send(challengeExample(410, 'sessionExpired'));
    if (!scenario.startsWith('active')) return reply.send(challengeExample(200, 'passive'));
    const issued = challengeExample(200, 'active');
    const c = issued.data.challenge;
    const now = Date.now();
    c._id = `${c._id.slice(0, 18)}${(challenges.length + 1).toString(16).padStart(6, '0')}`;
    c.issuedAt = new Date(now).toISOString();
    c.expiresAt = new Date(now + (scenario === 'activetimeout' ? 3_000 : 60_000)).toISOString();
    challenges.push({ token, id: c._id, steps: c.steps });
    return reply.send(issued);
  });

  app.post('/v2/biometric-validations/validate', async (request, reply) => {
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      const last = calls.at(-1);
      if (last) last.status = status;
      return reply.code(status).headers(headers).send(body);
    };
    const auth = request.headers.authorization ?? '';
    const token = auth.startsWith('Bearer ') ? auth.slice(7) : '';
    const body = request.body as { image?: unknown; challengeId?: unknown; frames?: unknown } | undefined;
    const image = typeof body?.image === 'string' ? body.image : '';
    const call: RecordedCall = {
      token,
      contentType: request.headers['content-type'],
      referer: request.headers.referer,
      origin: request.headers.origin,
      image,
      challengeId: typeof body?.challengeId === 'string' ? body.challengeId : undefined,
      frames: Array.isArray(body?.frames) ? (body.frames as RecordedCall['frames']) : undefined,
      status: 0,
    };
    calls.push(call);
    try {
      const meta = await sharp(Buffer.from(image.replace(/^data:[^,]*,/, ''), 'base64')).metadata();
      call.format = meta.format;
      call.width = meta.width;
      call.height = meta.height;
    } catch {
      // not an image: the scenario decides what to answer
    }

    if (!token) return send(401, example(401, 'missingToken'), { 'www-authenticate': 'Bearer' });
    const [prefix, scenario] = token.split('.');
    if (prefix !== 'scenario')
      return send(401, example(401, 'invalidToken'), { 'www-authenticate': 'Bearer' });
    if (!checkBody(body)) {
      const e = example(400, 'invalidRequest');
      e.details = (checkBody.errors ?? []).map((err) => ({
        path: `/body${err.instancePath}`,
        message: err.message ?? 'invalid',
      }));
      return send(400, e);
    }
    switch (scenario) {
      case 'expired':
        return send(410, example(410, 'sessionExpired'));
      case 'completed':
        return send(409, example(409, 'alreadyCompleted'));
      case 'liveness':
        return send(400, example(400, 'livenessFailed'));
      case 'forbidden':
        return send(403, example(403, 'wrongTokenKind'));
      case 'busy':
        if (!busyOnce.has(token)) {
          busyOnce.add(token);
          return send(503, example(503, 'engineBusy'), { 'retry-after': '1' });
        }
        break;
      case 'activefail':
      case 'activepass': {
        const issued = challenges.filter((c) => c.token === token).at(-1);
        if (!call.frames || call.challengeId !== issued?.id)
          return send(400, example(400, call.frames ? 'challengeInvalid' : 'activeLivenessRequired'));
        if (scenario === 'activefail') return send(400, example(400, 'activeLivenessFailed'));
        const ok = example(200, 'activeLoginPassed');
        ok.data.redirectUrl = `${origin}/welcome?token=${ok.data.token}`;
        return send(200, ok);
      }
      case 'engine':
      case 'noredirect':
      case 'twofa':
      case 'twofaexpired':
        break;
      default:
        return send(401, example(401, 'invalidToken'), { 'www-authenticate': 'Bearer' });
    }

    if (completed.has(token)) return send(409, example(409, 'alreadyCompleted'));
    const used = attempts.get(token) ?? 0;
    if (used >= MAX_ATTEMPTS) return send(409, example(409, 'attemptsExhausted'));
    const analysis = await engine.analyze(image, { skipLiveness: true });
    if (!analysis.ok) {
      attempts.set(token, used + 1);
      const e = example(400, 'invalidBiometricData');
      e.attemptsRemaining = MAX_ATTEMPTS - used - 1;
      e.details = [{ path: '/body/image', message: analysis.message, reason: analysis.reason }];
      return send(400, e);
    }
    completed.add(token);
    if (scenario === 'twofa' || scenario === 'twofaexpired') {
      awaiting.add(token);
      return send(200, example(200, 'awaitingCode'));
    }
    if (scenario === 'noredirect') return send(200, example(200, 'onboardingEnrolled'));
    const ok = example(200, 'loginPassed');
    // The example redirects to example.com; a test must stay on loopback, so keep its path and query only.
    const documented = new URL(ok.data.redirectUrl);
    ok.data.redirectUrl = `${origin}${documented.pathname}${documented.search}`;
    return send(200, ok);
  });

  // Confirm-2fa for the `twofa` scenarios: the request example's code is the right one.
  app.post('/v2/biometric-validations/confirm-2fa', async (request, reply) => {
    const auth = request.headers.authorization ?? '';
    const token = auth.startsWith('Bearer ') ? auth.slice(7) : '';
    const body = request.body as { code?: unknown } | undefined;
    const code = typeof body?.code === 'string' ? body.code : '';
    codeCalls.push({ token, code });
    const send = (status: number, value: unknown) => reply.code(status).send(value);
    if (!awaiting.has(token)) return send(409, confirmExample(409, 'notAwaitingCode'));
    if (!/^[0-9]{6}$/.test(code)) return send(400, confirmExample(400, 'invalidRequest'));
    if (confirmed.has(token)) return send(409, confirmExample(409, 'alreadyCompleted'));
    if (token.split('.')[1] === 'twofaexpired') return send(410, confirmExample(410, 'codeExpired'));
    const tries = codeTries.get(token) ?? 0;
    if (tries >= MAX_CODE_TRIES) return send(409, confirmExample(409, 'codeAttemptsExhausted'));
    codeTries.set(token, tries + 1);
    if (code !== documentedCode) {
      const e = confirmExample(400, 'invalidCode');
      e.attemptsRemaining = MAX_CODE_TRIES - tries - 1;
      return send(400, e);
    }
    confirmed.add(token);
    const ok = confirmExample(200, 'codeConfirmed');
    const documented = new URL(ok.data.redirectUrl);
    ok.data.redirectUrl = `${origin}${documented.pathname}${documented.search}`;
    return send(200, ok);
  });

  origin = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    app,
    origin,
    calls,
    codeCalls,
    challenges,
    async close() {
      await app.close();
      if (!opts.engine) await engine.close();
    },
  };
}
