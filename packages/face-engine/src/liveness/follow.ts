/**
 * Did the head follow the challenge? Timing first (only the server's clock is trusted), then the
 * movements: the sequence of movements the poses show must be exactly the issued steps, in order.
 */
import { type Challenge, type ChallengeStep, STEP_DEFINITIONS } from './challenge.js';
import type { HeadPose } from './pose.js';

export interface TimingLimits {
  minDurationMs: number;
  maxDurationMs: number;
  /** Largest gap between consecutive frames (a longer one hides what happened in between). */
  maxFrameGapMs: number;
}

export const DEFAULT_TIMING: TimingLimits = {
  minDurationMs: 800,
  maxDurationMs: 6_000,
  maxFrameGapMs: 1_000,
};

export type TimingFailure =
  | 'TIMESTAMPS_NOT_INCREASING'
  | 'SEQUENCE_TOO_SHORT'
  | 'SEQUENCE_TOO_LONG'
  | 'FRAME_GAP_TOO_LONG'
  | 'SEQUENCE_BEFORE_ISSUE'
  | 'CHALLENGE_EXPIRED';

export interface TimingResult {
  ok: boolean;
  failure?: TimingFailure;
  durationMs: number;
  maxGapMs: number;
  /** Server time between issue and receipt: the sequence cannot be longer. */
  elapsedSinceIssueMs: number;
}

/**
 * `timestamps` are capture times on the client's clock (any origin: only differences are used, since the
 * client's clock may be off by any amount). `receivedAt` is the server's clock when the frames arrived:
 * the capture ended before it, so it began at receivedAt - duration at the latest, which must be after the
 * issue; and the answer is late if receivedAt is past the expiry.
 */
export function checkTiming(
  timestamps: readonly number[],
  challenge: Pick<Challenge, 'issuedAt' | 'expiresAt'>,
  receivedAt: number,
  limits: TimingLimits = DEFAULT_TIMING,
): TimingResult {
  let maxGapMs = 0;
  let increasing = timestamps.every(Number.isFinite);
  for (let i = 1; i < timestamps.length; i++) {
    const gap = (timestamps[i] as number) - (timestamps[i - 1] as number);
    if (!(gap > 0)) increasing = false;
    maxGapMs = Math.max(maxGapMs, gap);
  }
  const durationMs = timestamps.length
    ? (timestamps[timestamps.length - 1] as number) - (timestamps[0] as number)
    : 0;
  const elapsedSinceIssueMs = receivedAt - challenge.issuedAt;
  const base = { durationMs, maxGapMs, elapsedSinceIssueMs };
  const failure: TimingFailure | undefined = !increasing
    ? 'TIMESTAMPS_NOT_INCREASING'
    : receivedAt > challenge.expiresAt
      ? 'CHALLENGE_EXPIRED'
      : durationMs > elapsedSinceIssueMs
        ? 'SEQUENCE_BEFORE_ISSUE'
        : durationMs < limits.minDurationMs
          ? 'SEQUENCE_TOO_SHORT'
          : durationMs > limits.maxDurationMs
            ? 'SEQUENCE_TOO_LONG'
            : maxGapMs > limits.maxFrameGapMs
              ? 'FRAME_GAP_TOO_LONG'
              : undefined;
  return failure ? { ok: false, failure, ...base } : { ok: true, ...base };
}

export type FollowFailure =
  | 'TOO_FEW_POSES'
  | 'STEP_NOT_PERFORMED'
  | 'STEPS_OUT_OF_ORDER'
  | 'UNEXPECTED_MOVEMENT';

/** Where a movement was seen: frames [start, end] and its strongest frame. */
export interface Movement {
  step: ChallengeStep;
  start: number;
  end: number;
  peakFrame: number;
  /** Degrees from the first frame (rotations) or scale factor over the first frame (approach). */
  peak: number;
}

export interface StepEvidence extends Movement {
  /** The step's threshold (degrees or scale factor), for the report. */
  threshold: number;
}

export interface FollowResult {
  ok: boolean;
  failure?: FollowFailure;
  /** The step concerned by the failure. */
  failedStep?: ChallengeStep;
  /** Evidence of each issued step that was matched, in order. */
  steps: StepEvidence[];
  /** Every movement seen, in order of its first frame. */
  movements: Movement[];
}

export interface FollowOptions {
  /** Consecutive frames a movement must be held to count. Default 2. */
  minHoldFrames?: number;
}

const threshold = (step: ChallengeStep) => {
  const d = STEP_DEFINITIONS[step];
  return d.kind === 'rotation' ? d.minDegrees : d.minScaleFactor;
};

/** The movement a frame shows relative to the first frame: one rotation (the dominant axis) and/or an approach. */
function frameMovements(p: HeadPose, base: HeadPose): { step: ChallengeStep; value: number }[] {
  const out: { step: ChallengeStep; value: number }[] = [];
  const dyaw = p.yaw - base.yaw;
  const dpitch = p.pitch - base.pitch;
  for (const [step, d] of Object.entries(STEP_DEFINITIONS) as [
    ChallengeStep,
    (typeof STEP_DEFINITIONS)[ChallengeStep],
  ][]) {
    if (d.kind === 'rotation') {
      const along = d.axis === 'yaw' ? dyaw : dpitch;
      const across = d.axis === 'yaw' ? dpitch : dyaw;
      const signed = d.direction * along;
      // Dominance: a diagonal movement counts for the larger axis only.
      if (signed >= d.minDegrees && Math.abs(along) > Math.abs(across)) out.push({ step, value: signed });
    } else {
      const factor = p.scale / base.scale;
      if (factor >= d.minScaleFactor) out.push({ step, value: factor });
    }
  }
  return out;
}

/** Runs of at least minHold consecutive frames showing the same movement. */
export function findMovements(poses: readonly (HeadPose | undefined)[], minHold = 2): Movement[] {
  const base = poses[0];
  if (!base) return [];
  const perFrame = poses.map((p) => (p ? frameMovements(p, base) : []));
  const found: Movement[] = [];
  for (const step of Object.keys(STEP_DEFINITIONS) as ChallengeStep[]) {
    let start = -1;
    for (let i = 0; i <= perFrame.length; i++) {
      const hit = i < perFrame.length && perFrame[i]?.some((m) => m.step === step);
      if (hit && start < 0) start = i;
      if (!hit && start >= 0) {
        const end = i - 1;
        if (end - start + 1 >= minHold) {
          let peakFrame = start;
          let peak = Number.NEGATIVE_INFINITY;
          for (let k = start; k <= end; k++) {
            const v = perFrame[k]?.find((m) => m.step === step)?.value as number;
            if (v > peak) {
              peak = v;
              peakFrame = k;
            }
          }
          found.push({ step, start, end, peakFrame, peak });
        }
        start = -1;
      }
    }
  }
  found.sort((a, b) => a.start - b.start || a.end - b.end);
  // Two runs of one movement with nothing between are one movement: a noisy frame can split a hold, and
  // no step is issued twice in a row.
  const merged: Movement[] = [];
  for (const m of found) {
    const last = merged[merged.length - 1];
    if (last?.step === m.step) {
      if (m.peak > last.peak) {
        last.peak = m.peak;
        last.peakFrame = m.peakFrame;
      }
      last.end = Math.max(last.end, m.end);
    } else merged.push(m);
  }
  return merged;
}

/**
 * The head rotations seen must be the issued steps in order, with none added (a recording that performs
 * every movement in turn would otherwise contain any challenge as a subsequence). An approach that was
 * not asked for is tolerated: people drift towards the screen.
 */
export function checkFollowing(
  poses: readonly (HeadPose | undefined)[],
  steps: readonly ChallengeStep[],
  o: FollowOptions = {},
): FollowResult {
  const minHold = o.minHoldFrames ?? 2;
  if (poses.filter(Boolean).length < 2 || !poses[0])
    return { ok: false, failure: 'TOO_FEW_POSES', steps: [], movements: [] };
  const all = findMovements(poses, minHold);
  const movements = all.filter((m) => STEP_DEFINITIONS[m.step].kind === 'rotation' || steps.includes(m.step));
  const matched: StepEvidence[] = [];
  for (let k = 0; k < steps.length; k++) {
    const step = steps[k] as ChallengeStep;
    const seen = movements[k];
    if (seen?.step === step) {
      matched.push({ ...seen, threshold: threshold(step) });
      continue;
    }
    const failure: FollowFailure = seen
      ? steps.slice(k + 1).includes(seen.step)
        ? 'STEPS_OUT_OF_ORDER'
        : 'UNEXPECTED_MOVEMENT'
      : movements.some((m) => m.step === step)
        ? 'STEPS_OUT_OF_ORDER'
        : 'STEP_NOT_PERFORMED';
    return { ok: false, failure, failedStep: step, steps: matched, movements: all };
  }
  if (movements.length > steps.length) {
    const extra = movements[steps.length] as Movement;
    return {
      ok: false,
      failure: 'UNEXPECTED_MOVEMENT',
      failedStep: extra.step,
      steps: matched,
      movements: all,
    };
  }
  return { ok: true, steps: matched, movements: all };
}
