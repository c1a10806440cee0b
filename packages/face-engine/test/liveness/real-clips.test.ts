/**
 * The whole active-liveness path on real video: genuine clips of LIVENESS_CLIPS and attacks rendered from
 * the same videos (src/eval/liveness-attacks.ts), through analyzeSequence and verifyLiveness. Few and
 * short sequences (the machine is shared); src/eval/liveness.ts runs the full set.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  attackStill,
  flatFrames,
  shownSteps,
  swapFrames,
  warpedTurnFrames,
} from '../../dist/eval/liveness.js';
import { clipFrames, LIVENESS_CLIPS, LIVENESS_STILLS, videoStill } from '../../dist/fixtures.js';
import {
  type ChallengeStep,
  createEngine,
  type HumanFaceEngine,
  LIVENESS_IDENTITY_MODEL,
  type LivenessFrame,
  sequencePasses,
  verifyLiveness,
} from '../../dist/index.js';

let engine: HumanFaceEngine;
let still: { franck: Float32Array; cap12: Float32Array };

beforeAll(async () => {
  engine = await createEngine({ workers: 1 });
  const template = async (video: 'franck' | 'cap12') => {
    const r = await engine.analyze(await videoStill(video, LIVENESS_STILLS[video]), {
      skipQualityChecks: true,
      livenessStill: true,
    });
    if (!r.ok) throw new Error(`still of ${video}: ${r.reason}`);
    return r.templates[LIVENESS_IDENTITY_MODEL] as Float32Array;
  };
  still = { franck: await template('franck'), cap12: await template('cap12') };
});
afterAll(async () => {
  await engine?.close();
});

async function sequence(frames: { image: Buffer; t: number }[]): Promise<LivenessFrame[]> {
  const r = await engine.analyzeSequence(frames);
  if (!r.ok) throw new Error(`${r.reason}: ${r.message}`);
  return r.frames;
}

function verify(frames: LivenessFrame[], steps: ChallengeStep[], stillTemplate: Float32Array) {
  const receivedAt = 1_800_000_000_000;
  return verifyLiveness({
    challenge: { steps, issuedAt: receivedAt - 20_000, expiresAt: receivedAt + 40_000 },
    frames,
    receivedAt,
    still: stillTemplate,
  });
}

/** The genuine clip most tests use, analysed once (whichever test asks first). */
let genuine: Promise<LivenessFrame[]> | undefined;
const genuineFrames = () => {
  genuine ??= clipFrames(clip('franck-158_2')).then(sequence);
  return genuine;
};

const clip = (id: string) => {
  const c = LIVENESS_CLIPS.find((x) => x.id === id);
  if (!c) throw new Error(`no clip ${id}`);
  return c;
};

describe('active liveness on real clips', () => {
  it('accepts a genuine clip answering its two-step challenge; only the described frames carry a template', async () => {
    const c = clip('franck-158_2');
    const frames = await genuineFrames();
    expect(frames).toHaveLength(12);
    const passes = sequencePasses(12);
    expect(frames.map((f) => (f.template ? 'described' : 'not'))).toEqual(
      passes.map((p) => (p === 'template' || p === 'tracked-template' ? 'described' : 'not')),
    );
    expect(frames.map((f) => f.tracked === true)).toEqual(passes.map((p) => p.startsWith('tracked')));
    const v = verify(frames, c.steps, still.franck);
    expect(v.failedCheck).toBeUndefined();
    expect(v.live).toBe(true);
    const followed = v.checks.find((x) => x.name === 'challenge_followed');
    expect(followed?.value).toBe(c.steps.length);
  });

  it('refuses the same genuine clip against a challenge it does not follow (a replayed recording)', async () => {
    const frames = await genuineFrames();
    const v = verify(frames, ['turn_left', 'look_up'], still.franck);
    expect(v.live).toBe(false);
    expect(v.failedCheck).toBe('challenge_followed');
  });

  it('refuses a genuine clip of one person sent with the still of another', async () => {
    const frames = await genuineFrames();
    const v = verify(frames, clip('franck-158_2').steps, still.cap12);
    expect(v).toMatchObject({ live: false, failedCheck: 'one_face_same_person', reason: 'FACE_CHANGED' });
  });

  it("refuses another person answering the challenge between the victim's first and last frames, on the middle template frame", async () => {
    const accomplice = clip('franck-158_6');
    // cap12's man (the victim) at rest on frames 0-2 and 12-14, franck answering his clip's challenge between.
    const frames = await sequence(await swapFrames(accomplice, false));
    const v = verify(frames, accomplice.steps, still.cap12);
    expect(v).toMatchObject({ live: false, failedCheck: 'one_face_same_person', reason: 'FACE_CHANGED' });
    const middle = sequencePasses(frames.length).indexOf('tracked-template');
    expect(middle).toBeGreaterThan(2);
    expect(middle).toBeLessThan(12);
    expect(
      frames[0]?.template && frames[frames.length - 1]?.template && frames[middle]?.template,
    ).toBeTruthy();
  });

  it('refuses a print of the still moved as a flat object, even against the movements it shows', async () => {
    const frames = await sequence(await flatFrames(await attackStill(engine, 'cap12', false), 'print', 3));
    const steps = shownSteps(frames);
    const v = verify(frames, steps.length ? steps : ['turn_left', 'look_up'], still.cap12);
    expect(v.live).toBe(false);
    expect(['not_flat', 'challenge_followed']).toContain(v.failedCheck);
  });

  it('lets a still bent round a turning cylinder through the flat-object check (the known gap); only a challenge it does not follow refuses it', async () => {
    const frames = await sequence(await warpedTurnFrames(await attackStill(engine, 'franck', false), 1, 0));
    const v = verify(frames, ['turn_right', 'look_up'], still.franck);
    // README "Active liveness": on real mesh landmarks a bent picture turning looks three-dimensional.
    expect(v.checks.find((c) => c.name === 'not_flat')?.passed).toBe(true);
    expect(v).toMatchObject({ live: false, failedCheck: 'challenge_followed' });
  });
});
