/**
 * Active liveness over real HTTP (issue 14), on both stores: the flow's mode, the challenge (issued,
 * bound, replaced, single use, expiring, limited), the frames judged by the real engine, and the
 * same rules on the app-registration face.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { objectId } from '../src/ids.js';
import { dataUri, fx, type Harness, ownFlows, startServer } from './helpers.js';

let h: Harness;
let token: string;
const STILL = dataUri(fx.personA[0]);

beforeAll(async () => {
  h = await startServer();
  token = h.demo.clientAccessToken;
});
afterAll(async () => h?.close());

async function activeValidation(extra: Record<string, unknown> = {}) {
  const flow = await h.call('POST', '/v2/project-flows', {
    token,
    body: { project: h.demo.project, type: 'onboarding', status: 'active', ...extra },
  });
  expect(flow.status, JSON.stringify(flow.body)).toBe(200);
  const created = await h.call('POST', '/v2/biometric-validations', {
    token,
    body: {
      project: h.demo.project,
      projectFlow: flow.body.data._id,
      identifier: 'live',
      type: 'validation',
    },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(200);
  return { flow: flow.body.data, session: created.body.data.token as string };
}

const challengeFor = (session: string) =>
  h.call('POST', '/v2/biometric-validations/liveness-challenge', { token: session });
const validate = (session: string, body: Record<string, unknown>) =>
  h.call('POST', '/v2/biometric-validations/validate', { token: session, body });

const FRAME_GAP_MS = 100;
/** A still held in front of the camera: the same photo, frame after frame, 100 ms apart. */
const stillFrames = (n = 10) =>
  Array.from({ length: n }, (_, i) => ({ image: STILL, capturedAtMs: 1000 + i * FRAME_GAP_MS }));

/** Until frames spanning `n` gaps could have been filmed since the challenge was issued (server clock). */
async function capturable(c: { issuedAt: string }, n = 10) {
  const ready = Date.parse(c.issuedAt) + n * FRAME_GAP_MS + 50;
  while (Date.now() < ready) await new Promise((r) => setTimeout(r, ready - Date.now()));
}

describe('a flow’s liveness mode', () => {
  it('is active for a new flow and can be switched to passive', async () => {
    const { flow } = await activeValidation();
    expect(flow.livenessMode).toBe('active');
    const patched = await h.call('PATCH', `/v2/project-flows/${flow._id}`, {
      token,
      body: { livenessMode: 'passive' },
    });
    expect(patched.body.data.livenessMode).toBe('passive');
  });
});

describe('an active validation', () => {
  it('issues a random 2-3 step challenge bound to the session, and refuses a single image without counting it', async () => {
    const { session } = await activeValidation();
    const issued = await challengeFor(session);
    expect(issued.status, JSON.stringify(issued.body)).toBe(200);
    const c = issued.body.data.challenge;
    expect(issued.body.data.livenessMode).toBe('active');
    expect(c.steps.length).toBeGreaterThanOrEqual(2);
    expect(c.steps.length).toBeLessThanOrEqual(3);
    expect(Date.parse(c.expiresAt) - Date.parse(c.issuedAt)).toBe(60_000);
    expect(c.frames).toEqual({ min: 8, max: 15 });

    const single = await validate(session, { image: STILL });
    expect(single.status).toBe(400);
    expect(single.body).toMatchObject({
      code: 'ACTIVE_LIVENESS_REQUIRED',
      message: 'ACTIVE_LIVENESS_REQUIRED',
    });
    expect(single.body.details[0].message).toContain('/v2/biometric-validations/liveness-challenge');
    expect(single.body.attemptsRemaining).toBeUndefined();

    const unknown = await validate(session, { image: STILL, challengeId: objectId(), frames: stillFrames() });
    expect(unknown.body.code).toBe('LIVENESS_CHALLENGE_INVALID');
    // Nothing so far counted an attempt, so the challenge is still this attempt's.
    const stored = await h.server.ctx.store.getChallenge(c._id);
    expect(stored?.closedAt).toBeUndefined();
  });

  it('refuses frames that span more time than has passed since the challenge was issued (server clock)', async () => {
    const { session } = await activeValidation();
    const c = (await challengeFor(session)).body.data.challenge;
    const early = await validate(session, { image: STILL, challengeId: c._id, frames: stillFrames() });
    expect(early.status).toBe(400);
    expect(early.body.liveness.failedCheck).toBe('timing');
    expect(early.body.liveness.checks[1]).toMatchObject({ reason: 'SEQUENCE_BEFORE_ISSUE', passed: false });
  });

  it('refuses a still held in front of the camera, counts the attempt, and uses the challenge up', async () => {
    const { session } = await activeValidation();
    const c = (await challengeFor(session)).body.data.challenge;
    await capturable(c);
    const refused = await validate(session, { image: STILL, challengeId: c._id, frames: stillFrames() });
    expect(refused.status, JSON.stringify(refused.body)).toBe(400);
    expect(refused.body).toMatchObject({ code: 'LIVENESS_DETECTION_FAILED', attemptsRemaining: 2 });
    expect(refused.body.liveness).toMatchObject({
      method: 'active',
      live: false,
      challenge: c._id,
      steps: c.steps,
    });
    const names = refused.body.liveness.checks.map((x: { name: string }) => x.name);
    expect(names).toEqual([
      'frame_count',
      'timing',
      'one_face_same_person',
      'challenge_followed',
      'not_flat',
      'passive',
      'screen_cues',
    ]);
    // The same face in every frame and the still; what fails is the movement.
    expect(refused.body.liveness.checks[2]).toMatchObject({ passed: true });
    expect(['challenge_followed', 'not_flat']).toContain(refused.body.liveness.failedCheck);

    const replay = await validate(session, { image: STILL, challengeId: c._id, frames: stillFrames() });
    expect(replay.body.code).toBe('LIVENESS_CHALLENGE_INVALID');
    const v = await h.call('GET', `/v2/biometric-validations/${await idOf(session)}`, { token });
    expect(v.body.data.livenessSession.livenessResult.at(-1).liveness.failedCheck).toBe(
      refused.body.liveness.failedCheck,
    );
  });

  it('replaces the open challenge with a new one, and refuses the old', async () => {
    const { session } = await activeValidation();
    const first = (await challengeFor(session)).body.data.challenge;
    const second = (await challengeFor(session)).body.data.challenge;
    expect(second._id).not.toBe(first._id);
    const old = await validate(session, { image: STILL, challengeId: first._id, frames: stillFrames() });
    expect(old.body.code).toBe('LIVENESS_CHALLENGE_INVALID');
  });

  it('refuses an expired challenge without counting an attempt', async () => {
    const { session } = await activeValidation();
    const c = (await challengeFor(session)).body.data.challenge;
    const v = await h.server.ctx.store.getChallenge(c._id);
    if (!v) throw new Error('challenge not stored');
    // As if it had been issued a minute ago: issuing it again closes the open one, so give it a new id.
    const late = {
      ...v,
      id: objectId(),
      issuedAt: new Date(Date.now() - 61_000).toISOString(),
      expiresAt: new Date(Date.now() - 1000).toISOString(),
    };
    expect(await h.server.ctx.store.issueChallenge(late, 100)).toBe(true);
    const expired = await validate(session, { image: STILL, challengeId: late.id, frames: stillFrames() });
    expect(expired.status).toBe(400);
    expect(expired.body.code).toBe('LIVENESS_CHALLENGE_EXPIRED');
    expect(expired.body.attemptsRemaining).toBeUndefined();
  });

  it('issues at most three challenges per allowed attempt', async () => {
    const { session } = await activeValidation({ maxAttempts: 1 });
    for (let i = 0; i < 3; i++) expect((await challengeFor(session)).status).toBe(200);
    const fourth = await challengeFor(session);
    expect(fourth.status).toBe(409);
    expect(fourth.body.code).toBe('LIVENESS_CHALLENGE_LIMIT_REACHED');
  });

  it('refuses frames that are not 8-15 as an invalid request', async () => {
    const { session } = await activeValidation();
    const c = (await challengeFor(session)).body.data.challenge;
    const few = await validate(session, { image: STILL, challengeId: c._id, frames: stillFrames(3) });
    expect(few.status).toBe(400);
    expect(few.body.code).toBe('INVALID_REQUEST');
  });
});

async function idOf(session: string): Promise<string> {
  const v = await h.server.ctx.keys.verify(session);
  if (!v.ok || !v.payload.sub) throw new Error('not a session token');
  return v.payload.sub;
}

describe('a passive flow', () => {
  it('issues no challenge and refuses frames, as before the modes existed', async () => {
    const flows = await ownFlows(h);
    const created = await h.call('POST', '/v2/biometric-validations', {
      token,
      body: { project: h.demo.project, projectFlow: flows.loginFlow, identifier: 'p', type: 'login' },
    });
    const session = created.body.data.token;
    const c = await challengeFor(session);
    expect(c.body).toEqual({ success: true, data: { livenessMode: 'passive' } });
    const frames = await validate(session, { image: STILL, challengeId: objectId(), frames: stillFrames() });
    expect(frames.status).toBe(400);
    expect(frames.body.code).toBe('INVALID_REQUEST');
  });
});

describe('the app-registration face', () => {
  async function registration(livenessMode: 'active' | 'passive') {
    const collection = await h.call('POST', '/v2/collections', {
      token,
      body: { project: h.demo.project, name: `reg-${objectId()}` },
    });
    const flow = await h.call('POST', '/v2/project-flows', {
      token,
      body: {
        project: h.demo.project,
        type: 'onboarding',
        status: 'active',
        assignedCollection: collection.body.data._id,
        livenessMode,
      },
    });
    const reg = await h.call('POST', '/v2/app-registrations', {
      token,
      body: { project: h.demo.project, projectFlow: flow.body.data._id, email: `u${objectId()}@example.com` },
    });
    expect(reg.status, JSON.stringify(reg.body)).toBe(200);
    return reg.body.data.token as string;
  }
  const enrol = (t: string, body: Record<string, unknown>) =>
    h.call('POST', '/v2/biometric-validations/app-registration', {
      token: t,
      body: { os: 'DESKTOP', ...body },
    });

  it('follows its flow’s active mode: a challenge, a single image refused, a held still refused', async () => {
    const t = await registration('active');
    const issued = await h.call('POST', '/v2/biometric-validations/app-registration/liveness-challenge', {
      token: t,
    });
    expect(issued.status, JSON.stringify(issued.body)).toBe(200);
    expect(issued.body.data.livenessMode).toBe('active');
    const single = await enrol(t, { image: STILL });
    expect(single.status).toBe(400);
    expect(single.body).toMatchObject({
      code: 'active_liveness_required',
      message: '400:active_liveness_required',
    });
    const c = issued.body.data.challenge;
    await capturable(c);
    const held = await enrol(t, { image: STILL, challengeId: c._id, frames: stillFrames() });
    expect(held.status, JSON.stringify(held.body)).toBe(409);
    expect(held.body).toMatchObject({ code: 'liveness_failed', message: '409:liveness_failed' });
    expect(held.body.liveness.live).toBe(false);
    const again = await enrol(t, { image: STILL, challengeId: c._id, frames: stillFrames() });
    expect(again.body.code).toBe('liveness_challenge_invalid');
  });

  it('answers passive on a passive flow', async () => {
    const t = await registration('passive');
    const issued = await h.call('POST', '/v2/biometric-validations/app-registration/liveness-challenge', {
      token: t,
    });
    expect(issued.body).toEqual({ success: true, data: { livenessMode: 'passive' } });
  });
});
