import { type FaceAnalysis, LIVENESS_IDENTITY_MODEL } from '@faceproof/face-engine';
import type { AppContext } from '../context.js';
import { type ActiveJudgement, judgeSequence } from '../flows/liveness/active.js';
import {
  type ChallengeBinding,
  type ChallengeRefusal,
  challengeRefusal,
  livenessInputRefusal,
} from '../flows/liveness/challenge.js';
import type { LivenessChallenge, LivenessMode } from '../flows/types.js';
import { asApiError } from './flow-error.js';

/**
 * What validate and the app-registration face share of active liveness: admitting the challenge a
 * request answers, and analysing the still and the frames. Each operation brings its own spelling
 * of the challenge errors (`challengeError`) and where its challenges are issued (`challengePath`).
 */
export interface LivenessRequest {
  image: string;
  challengeId?: string;
  frames?: { image: string; capturedAtMs: number }[];
}

type ChallengeError = (r: { kind: ChallengeRefusal; message: string }) => Parameters<typeof asApiError>[0];

/**
 * The challenge an active flow's request answers, admitted (the subject's open one, not expired)
 * before the engine runs; refusals count no attempt.
 */
export async function admittedChallenge(
  ctx: AppContext,
  request: LivenessRequest,
  o: {
    mode: LivenessMode;
    bind: ChallengeBinding;
    now: number;
    challengePath: string;
    challengeError: ChallengeError;
  },
): Promise<LivenessChallenge | undefined> {
  const input = livenessInputRefusal(o.mode, request, o.challengePath);
  if (input) throw asApiError(input);
  if (request.challengeId === undefined) return undefined;
  const challenge = await ctx.store.getChallenge(request.challengeId);
  const refusal = challengeRefusal(challenge, o.bind, o.now);
  if (refusal || !challenge) throw asApiError(o.challengeError(refusal ?? { kind: 'invalid', message: '' }));
  return challenge;
}

/**
 * The still's analysis and, with a challenge, the frames' verdict. The challenge is closed once the
 * engine has run (a 503 leaves it open to be answered again) and before the verdict counts: of two
 * requests answering one challenge, only the one that closes it is judged.
 */
export async function analyseLiveness(
  ctx: AppContext,
  request: LivenessRequest,
  challenge: LivenessChallenge | undefined,
  o: { receivedAt: number; passiveThreshold: number; challengeError: ChallengeError },
): Promise<{ analysis: FaceAnalysis; active?: ActiveJudgement }> {
  if (!challenge || !request.frames) return { analysis: await ctx.faces.analyze(request.image) };
  // The still, then the frames, one after the other: a sequence takes no more of the engine's queue
  // than one image per worker (and an unusable still needs no frames analysed).
  const analysis = await ctx.faces.analyze(request.image, { livenessStill: true });
  const frames = request.frames.map((f) => ({ image: f.image, t: f.capturedAtMs }));
  const sequence = analysis.ok ? await ctx.faces.analyzeSequence(frames) : undefined;
  if (!(await ctx.store.closeChallenge(challenge.id, new Date().toISOString())))
    throw asApiError(
      o.challengeError({ kind: 'invalid', message: 'This challenge was answered meanwhile.' }),
    );
  if (!analysis.ok || !sequence) return { analysis };
  const active = judgeSequence({
    challenge,
    sequence,
    // An analysis of a `livenessStill` that succeeded has this template (the engine fails it otherwise).
    still: analysis.templates[LIVENESS_IDENTITY_MODEL] as Float32Array,
    receivedAt: o.receivedAt,
    passiveThreshold: o.passiveThreshold,
  });
  return { analysis, active };
}
