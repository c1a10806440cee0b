/**
 * Head pose over a whole fixture video, measured once and cached (gitignored .fixtures/cache/): what the
 * genuine clip table (src/liveness-clips.ts) was cut from, and what `scripts` re-derive it with.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { HumanFaceEngine } from '../engine.js';
import { FIXTURES_DIR, type VideoName, videoFrames } from '../fixtures.js';
import type { FrameLandmarks } from '../liveness/landmarks.js';
import { estimatePose, type HeadPose } from '../liveness/pose.js';

export interface VideoPoseFrame {
  /** Seconds from the start of the video. */
  t: number;
  faces: number;
  pose?: HeadPose;
  landmarks?: FrameLandmarks;
}

export const CACHE_DIR = path.join(FIXTURES_DIR, 'cache');

const DURATION_S: Record<VideoName, number> = { franck: 200, cap12: 53.5, cap13: 30.6 };

/** Every frame of the video at `fps`, through the engine's sequence analysis (cached per video and fps). */
export async function videoPoses(
  engine: HumanFaceEngine,
  name: VideoName,
  fps: number,
): Promise<VideoPoseFrame[]> {
  const file = path.join(CACHE_DIR, `poses-${name}-${fps}fps.json`);
  const cached = await readFile(file, 'utf8').catch(() => null);
  if (cached) return JSON.parse(cached) as VideoPoseFrame[];
  const jpegs = await videoFrames(name, { start: 0, duration: DURATION_S[name], fps });
  const out: VideoPoseFrame[] = [];
  const chunk = 15;
  for (let i = 0; i < jpegs.length; i += chunk) {
    const part = jpegs.slice(i, i + chunk).map((image, k) => ({ image, t: ((i + k) / fps) * 1000 }));
    const seq = await engine.analyzeSequence(part);
    if (!seq.ok) throw new Error(`${name} frame ${i + seq.frame}: ${seq.message}`);
    for (const f of seq.frames) {
      const pose = f.landmarks ? estimatePose(f.landmarks, f.width) : undefined;
      out.push({
        t: f.t / 1000,
        faces: f.faces,
        ...(pose ? { pose } : {}),
        ...(f.landmarks ? { landmarks: f.landmarks } : {}),
      });
    }
  }
  await mkdir(CACHE_DIR, { recursive: true });
  await writeFile(file, JSON.stringify(out));
  return out;
}
