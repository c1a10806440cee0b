import { createFaceproofClient } from '@faceproof/client';

const fp = createFaceproofClient({ baseUrl: process.env.FACEPROOF_URL ?? 'http://127.0.0.1:3000' });

const issued = await fp.session(livenessSessionToken).challenge();
if (issued.ok && issued.data.data.challenge) {
  // Film the user following the steps, then session.validate({ image, challengeId: _id, frames }),
  // frames being 8-15 small JPEGs with their capture times: [{ image, capturedAtMs }, ...].
  const { _id, steps, expiresAt } = issued.data.data.challenge;
  console.log(_id, steps, 'until', expiresAt);
} else if (issued.ok) {
  console.log('passive flow: send one image to validate, as before');
} else {
  console.log(issued.code);
}
