/**
 * Fake-camera videos of active liveness, made at test time with Debian's ffmpeg from the face-engine's
 * registry-installed webcam recordings (nothing is committed):
 *
 * - a genuine clip of LIVENESS_CLIPS (a real head making a challenge's movements), slowed to most of
 *   the page's filming window, preceded by half a second of black (the mark the test starts the challenge
 *   on, since Chromium loops the file) and the clip's first frame held, and followed by its last frame
 *   held;
 * - a flat photo moved in front of the camera: a frontal still of the same video shifted, rolled and
 *   zoomed along smooth paths, as a print or a phone screen held up and moved would be.
 */
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { LIVENESS_CLIPS, LIVENESS_STILLS, VIDEOS, videoStill } from '@faceproof/face-engine/fixtures';

/** What the page films, in ms: one step every 1.6 s after a 1.5 s "get ready" (src/web/main.ts). */
export const PAGE_STEP_MS = 1600;
export const PAGE_GET_READY_MS = 1500;

function ffmpeg(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('ffmpeg', ['-v', 'error', '-y', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (b: Buffer) => {
      err += b.toString();
    });
    child.on('error', (e) =>
      reject(new Error(`ffmpeg could not start (scripts/install-system-deps.sh): ${e.message}`)),
    );
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`ffmpeg exited ${code}: ${err}`)),
    );
  });
}

/** The genuine clip a browser test answers with, and the video of it the fake camera plays. */
export async function genuineClipVideo(id: string, dir: string) {
  const clip = LIVENESS_CLIPS.find((c) => c.id === id);
  if (!clip) throw new Error(`no liveness clip ${id}`);
  const window = clip.steps.length * PAGE_STEP_MS;
  // Slowed to 70 % of the filming window: a start a little early or late still films all of it, and
  // the last movement is held (the clip's last frame) for the frames that follow.
  const slow = (0.7 * window) / (clip.duration * 1000);
  // Held first frame: the "get ready" plus a margin for the moment between the mark and the click.
  const lead = (PAGE_GET_READY_MS + 0.05 * window + 100) / 1000;
  const file = path.join(dir, `genuine-${clip.id}.y4m`);
  await ffmpeg([
    '-ss',
    String(clip.start),
    '-t',
    String(clip.duration),
    '-i',
    VIDEOS[clip.video],
    '-vf',
    [
      'scale=640:512',
      `setpts=${slow.toFixed(4)}*PTS`,
      'fps=30',
      `tpad=start_duration=${lead.toFixed(3)}:start_mode=clone:stop_duration=2.5:stop_mode=clone`,
      'tpad=start_duration=0.5:start_mode=add:color=black',
    ].join(','),
    '-pix_fmt',
    'yuv420p',
    '-f',
    'yuv4mpegpipe',
    file,
  ]);
  return { clip, file };
}

/** A frontal still of `video` moved as a flat object (shift, roll, zoom) for 8 s. */
export async function flatPhotoVideo(video: keyof typeof LIVENESS_STILLS, dir: string) {
  const still = path.join(dir, `still-${video}.jpg`);
  await writeFile(still, await videoStill(video, LIVENESS_STILLS[video], { width: 640 }));
  const file = path.join(dir, `flat-${video}.y4m`);
  await ffmpeg([
    '-loop',
    '1',
    '-framerate',
    '30',
    '-t',
    '8',
    '-i',
    still,
    '-vf',
    [
      'scale=640:512',
      "zoompan=z='1.12+0.1*sin(2*PI*on/75)':x='iw/2-(iw/zoom/2)+35*sin(2*PI*on/55)':y='ih/2-(ih/zoom/2)+20*sin(2*PI*on/95)':d=1:s=640x512:fps=30",
      "rotate=a='0.18*sin(2*PI*t/2.2)':fillcolor=gray",
    ].join(','),
    '-pix_fmt',
    'yuv420p',
    '-f',
    'yuv4mpegpipe',
    file,
  ]);
  return file;
}
