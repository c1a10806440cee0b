/**
 * `node dist/eval/find-clips.js`: how the genuine clip table (src/liveness-clips.ts) was found. Measures
 * the head pose of every frame of each fixture video once (10 fps, cached, src/eval/video-poses.ts), then
 * labels windows the way a person reading the pose track would, not the way the verifier judges a
 * sequence:
 *
 * - a window starts after half a second of rest (yaw and pitch within REST_SPREAD_DEG of their median)
 *   looking at the camera (REST_FRONTAL_DEG), like the capture page's "get ready" moment; that rest is
 *   the window's neutral pose;
 * - on the dense track, smoothed by a 3-frame median, a movement is an excursion from the neutral whose
 *   axis dominates (the larger change in degrees, the older and stricter rule the verifier no longer
 *   uses) for at least 2 scan frames at LABEL_MARGIN × the step's threshold; it ends back at half the
 *   threshold;
 * - a window is ambiguous, and dropped, when an axis its label asks about also shows an excursion that
 *   peaks between AMBIGUOUS_BELOW and LABEL_MARGIN × its threshold (a person could not say whether it was
 *   a step), or when its last step is not held to the end.
 *
 * A window is kept when its label is a challenge issueChallenge can issue (2-3 steps), or one turn (the
 * one-step clips); non-overlapping windows are then chosen greedily, most steps first, then shortest,
 * clearest. The verifier then scores 15 frames of each window, decoded and analysed afresh (not these
 * scan frames), against its label, and every labelled clip is scored whatever its verdict. Prints the
 * table; it is copied into the source by hand (the source is the record, this script the method).
 */

import { createEngine } from '../engine.js';
import { ensureFixtures, LIVENESS_STILLS, type VideoName } from '../fixtures.js';
import {
  allowedSequences,
  CHALLENGE_STEPS,
  type ChallengeStep,
  STEP_DEFINITIONS,
} from '../liveness/challenge.js';
import { axisOf, stepMargin } from '../liveness/follow.js';
import { PAGE_FRAMES } from '../liveness-clips.js';
import { type VideoPoseFrame, videoPoses } from './video-poses.js';

export const SCAN_FPS = 10;
/** Window lengths, s: the page films 1.6 s per step (3.2 s for two, 4.8 s for three). */
const DURATIONS_S = [1.6, 2, 2.4, 2.8, 3.2, 3.6, 4, 4.8, 5.6];
const REST_S = 0.5;
/**
 * The rest also covers the window's first REST_INTO_WINDOW_S and the first step is reached no sooner
 * than FIRST_STEP_AFTER_S: the page's first frame comes as the first prompt appears, before anyone can
 * react, and a clip's decoded frames can sit 0.1-0.2 s off the scan's times.
 */
const REST_INTO_WINDOW_S = 0.2;
const FIRST_STEP_AFTER_S = 0.4;
const REST_SPREAD_DEG = 4;
/**
 * The rest is "looking at the camera": within this of the video's median pose (each person's frontal
 * reads a little off 0°: franck rests near 15° of yaw).
 */
const REST_FRONTAL_DEG = 10;
/** A labelled step peaks at least this far past its threshold (turns 15°, nods 10°, approach 1.25×). */
const LABEL_MARGIN = 1.15;
const AMBIGUOUS_BELOW = 0.7;
/** The last step must have been reached this long before the window ends (it is held, as asked). */
const HOLD_AT_END_S = 0.3;
/** No window within this distance of a video's still (LIVENESS_STILLS): the still is a separate moment. */
const STILL_CLEARANCE_S = 1;

/**
 * 'page': after 0.5 s of rest looking at the camera, like the capture page's first frame; 'still-start':
 * anywhere the head holds still for the window's first REST_INTO_WINDOW_S (more of the videos' few
 * multi-step moments, but the neutral is not a "get ready" moment).
 */
export type ClipShape = 'page' | 'still-start';

export interface ClipCandidate {
  shape: ClipShape;
  video: VideoName;
  start: number;
  duration: number;
  steps: ChallengeStep[];
  /** Peak of each step over its threshold on the smoothed scan (1 = just at the threshold). */
  margins: number[];
}

const ISSUABLE = new Set(allowedSequences(CHALLENGE_STEPS, 2, 3).map((s) => s.join(',')));
const isTurn = (s: ChallengeStep) => s === 'turn_left' || s === 'turn_right';

const median = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2
    ? (s[s.length >> 1] as number)
    : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};

interface Track {
  yaw: number[];
  pitch: number[];
  scale: number[];
}

function smooth(frames: readonly VideoPoseFrame[]): Track {
  const pick = (k: 'yaw' | 'pitch' | 'scale') =>
    frames.map((_, i) =>
      median(
        frames
          .slice(Math.max(0, i - 1), i + 2)
          .map((f) => f.pose?.[k] as number)
          .filter(Number.isFinite),
      ),
    );
  return { yaw: pick('yaw'), pitch: pick('pitch'), scale: pick('scale') };
}

interface Labelled {
  step: ChallengeStep;
  /** Scan frame at LABEL_MARGIN × threshold. */
  reached: number;
  margin: number;
}

/** The label of scan frames [a, b] of a smoothed track, given the neutral pose; undefined when ambiguous. */
function label(
  track: Track,
  a: number,
  b: number,
  neutral: { yaw: number; pitch: number; scale: number },
  minHeld: number,
): Labelled[] | undefined {
  const steps: Labelled[] = [];
  const ambiguousAxes = new Set<string>();
  for (const step of Object.keys(STEP_DEFINITIONS) as ChallengeStep[]) {
    const d = STEP_DEFINITIONS[step];
    const axis = axisOf(step);
    // The change in the step's direction, and whether its axis dominates the frame.
    const at = (i: number): { v: number; dominant: boolean } => {
      if (d.kind === 'approach') return { v: (track.scale[i] as number) / neutral.scale, dominant: true };
      const other = d.axis === 'yaw' ? 'pitch' : 'yaw';
      const along = (track[d.axis][i] as number) - neutral[d.axis];
      const across = (track[other][i] as number) - neutral[other];
      return { v: d.direction * along, dominant: Math.abs(along) >= Math.abs(across) };
    };
    const back = d.kind === 'rotation' ? d.minDegrees / 2 : 1 + (d.minScaleFactor - 1) / 2;
    for (let i = a; i <= b; i++) {
      if (!(at(i).v >= back)) continue;
      let peak = Number.NEGATIVE_INFINITY;
      let held = 0;
      let reached = -1;
      for (; i <= b && at(i).v >= back; i++) {
        const { v, dominant } = at(i);
        if (!dominant) continue;
        const m = stepMargin(step, v);
        peak = Math.max(peak, m);
        if (m >= LABEL_MARGIN) {
          held++;
          if (reached < 0) reached = i;
        }
      }
      if (held >= minHeld) steps.push({ step, reached, margin: peak });
      else if (peak >= AMBIGUOUS_BELOW) ambiguousAxes.add(axis);
    }
  }
  steps.sort((x, y) => x.reached - y.reached);
  const askedAxes = new Set<string>(steps.map((s) => axisOf(s.step)));
  if ([...ambiguousAxes].some((x) => askedAxes.has(x))) return undefined;
  return steps;
}

export function candidates(
  video: VideoName,
  scan: readonly VideoPoseFrame[],
  fps: number,
  shape: ClipShape = 'page',
): ClipCandidate[] {
  const out: ClipCandidate[] = [];
  const track = smooth(scan);
  const restFrames = shape === 'page' ? Math.round(REST_S * fps) : 0;
  const still = LIVENESS_STILLS[video];
  const posed = scan.flatMap((f) => (f.pose ? [f.pose] : []));
  const frontal = { yaw: median(posed.map((p) => p.yaw)), pitch: median(posed.map((p) => p.pitch)) };
  for (let s = restFrames; s < scan.length; s++) {
    const start = s / fps;
    const rest = scan.slice(s - restFrames, s + Math.round(REST_INTO_WINDOW_S * fps) + 1);
    if (!rest.every((f) => f.faces === 1 && f.pose)) continue;
    const neutral = {
      yaw: median(rest.map((f) => f.pose?.yaw as number)),
      pitch: median(rest.map((f) => f.pose?.pitch as number)),
      scale: median(rest.map((f) => f.pose?.scale as number)),
    };
    const still_ = rest.every(
      (f) =>
        Math.abs((f.pose?.yaw as number) - neutral.yaw) <= REST_SPREAD_DEG &&
        Math.abs((f.pose?.pitch as number) - neutral.pitch) <= REST_SPREAD_DEG,
    );
    if (!still_) continue;
    if (
      shape === 'page' &&
      (Math.abs(neutral.yaw - frontal.yaw) > REST_FRONTAL_DEG ||
        Math.abs(neutral.pitch - frontal.pitch) > REST_FRONTAL_DEG)
    )
      continue;
    for (const duration of DURATIONS_S) {
      const e = s + Math.round(duration * fps);
      if (e >= scan.length) continue;
      if (start < still + STILL_CLEARANCE_S && still - STILL_CLEARANCE_S < start + duration) continue;
      if (!scan.slice(s, e + 1).every((f) => f.faces === 1 && f.pose)) continue;
      // Each step held over at least two of the 15 frames the window is sampled at.
      const minHeld = Math.max(2, Math.ceil((2 * duration * fps) / (PAGE_FRAMES - 1)));
      const steps = label(track, s, e, neutral, minHeld);
      if (!steps || steps.length === 0) continue;
      if ((steps[0] as Labelled).reached < s + FIRST_STEP_AFTER_S * fps) continue;
      const names = steps.map((x) => x.step);
      const issuable =
        ISSUABLE.has(names.join(',')) || (names.length === 1 && isTurn(names[0] as ChallengeStep));
      if (!issuable) continue;
      if ((steps[steps.length - 1] as Labelled).reached > e - HOLD_AT_END_S * fps) continue;
      out.push({
        shape,
        video,
        start: Math.round(start * 10) / 10,
        duration,
        steps: names,
        margins: steps.map((x) => x.margin),
      });
    }
  }
  return out;
}

/**
 * Non-overlapping windows: page-shaped ones first, then most steps (a whole challenge is worth more than
 * one turn), then shortest, then clearest (largest smallest margin).
 */
export function choose(all: readonly ClipCandidate[]): ClipCandidate[] {
  const sorted = [...all].sort(
    (a, b) =>
      Number(a.shape !== 'page') - Number(b.shape !== 'page') ||
      b.steps.length - a.steps.length ||
      a.duration - b.duration ||
      Math.min(...b.margins) - Math.min(...a.margins),
  );
  const chosen: ClipCandidate[] = [];
  for (const c of sorted) {
    const overlaps = chosen.some(
      (k) => k.video === c.video && c.start < k.start + k.duration && k.start < c.start + c.duration,
    );
    if (!overlaps) chosen.push(c);
  }
  return chosen.sort((a, b) => a.video.localeCompare(b.video) || a.start - b.start);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const fps = Number(process.argv[2] ?? SCAN_FPS);
  await ensureFixtures();
  const engine = await createEngine({ workers: 2 });
  try {
    const all: ClipCandidate[] = [];
    for (const video of ['franck', 'cap12', 'cap13'] as const) {
      const scan = await videoPoses(engine, video, fps);
      const page = candidates(video, scan, fps, 'page');
      // Only the multi-step moments are worth a window that does not start like the page.
      const stillStart = candidates(video, scan, fps, 'still-start').filter((c) => c.steps.length >= 2);
      console.error(
        `${video}: ${scan.length} frames, ${page.length} + ${stillStart.length} labelled windows`,
      );
      all.push(...page, ...stillStart);
    }
    for (const c of choose(all))
      console.log(
        JSON.stringify({
          shape: c.shape,
          video: c.video,
          start: c.start,
          duration: c.duration,
          steps: c.steps,
          margins: c.margins.map((m) => Math.round(m * 100) / 100),
        }),
      );
  } finally {
    await engine.close();
  }
}
