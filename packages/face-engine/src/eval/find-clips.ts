/**
 * `node dist/eval/find-clips.js [fps]`: how the genuine clip table (src/liveness-clips.ts) was found.
 * Measures the head pose over each fixture video once (cached, src/eval/video-poses.ts), then slides
 * windows of 1.2-5 s over it, samples 12 frames from each like a capture page would, and keeps the windows
 * whose movements (findMovements, as checkFollowing sees them) form a challenge issueChallenge can draw,
 * each step past its threshold by a margin, one face throughout. Non-overlapping windows are chosen
 * greedily, most steps first, then shortest and clearest. Prints the table; it is copied into the source by hand (the
 * source is the record, this script the method).
 */

import { createEngine } from '../engine.js';
import { ensureFixtures, type VideoName } from '../fixtures.js';
import { type ChallengeStep, STEP_DEFINITIONS } from '../liveness/challenge.js';
import { findMovements } from '../liveness/follow.js';
import type { HeadPose } from '../liveness/pose.js';
import { type VideoPoseFrame, videoPoses } from './video-poses.js';

export const SCAN_FPS = 10;
const FRAMES = 12;
const DURATIONS_S = [1.2, 1.6, 2, 2.5, 3, 3.5, 4, 5];
const STRIDE_S = 0.1;
/** Each step's peak must pass its threshold by this factor (a rotation) or this much more scale. */
const MARGIN = 1.1;

export interface ClipCandidate {
  video: VideoName;
  start: number;
  duration: number;
  steps: ChallengeStep[];
  /** Peak of each step over its threshold (1 = just at the threshold). */
  margins: number[];
}

const isTurn = (s: ChallengeStep) => s === 'turn_left' || s === 'turn_right';

function stepMargin(step: ChallengeStep, peak: number): number {
  const d = STEP_DEFINITIONS[step];
  return d.kind === 'rotation' ? peak / d.minDegrees : (peak - 1) / (d.minScaleFactor - 1);
}

export function candidates(video: VideoName, scan: readonly VideoPoseFrame[], fps: number): ClipCandidate[] {
  const out: ClipCandidate[] = [];
  const last = scan.length - 1;
  for (let start = 0; start * fps < last; start += STRIDE_S) {
    for (const duration of DURATIONS_S) {
      const idx = Array.from({ length: FRAMES }, (_, k) =>
        Math.round((start + (k * duration) / (FRAMES - 1)) * fps),
      );
      if ((idx[FRAMES - 1] as number) > last) continue;
      const frames = idx.map((i) => scan[i] as VideoPoseFrame);
      if (!frames.every((f) => f.faces === 1 && f.pose)) continue;
      const moves = findMovements(
        frames.map((f) => f.pose as HeadPose),
        2,
      );
      const steps = moves.map((m) => m.step);
      const margins = moves.map((m) => stepMargin(m.step, m.peak));
      if (steps.length < 1 || steps.length > 3) continue;
      if (!steps.some(isTurn) || steps.filter((s) => s === 'move_closer').length > 1) continue;
      if (margins.some((m) => m < MARGIN)) continue;
      out.push({ video, start: Math.round(start * 10) / 10, duration, steps, margins });
    }
  }
  return out;
}

/**
 * Non-overlapping windows: most steps first (a whole challenge is worth more than one turn), then
 * shortest, then clearest (largest smallest margin).
 */
export function choose(all: readonly ClipCandidate[]): ClipCandidate[] {
  const sorted = [...all].sort(
    (a, b) =>
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
      const c = candidates(video, scan, fps);
      console.error(`${video}: ${scan.length} frames, ${c.length} candidate windows`);
      all.push(...c);
    }
    for (const c of choose(all))
      console.log(
        JSON.stringify({
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
