import { readFile } from 'node:fs/promises';
import { createFaceproofClient } from '@faceproof/client';

const fp = createFaceproofClient({ baseUrl: process.env.FACEPROOF_URL ?? 'http://127.0.0.1:3000' });

// `image` may be a data URI, bare base64, a Blob/File or bytes; the client converts it.
const image = await readFile('face.jpg');
const { data, error } = await fp.session(livenessSessionToken).validate({ image });
if (error) {
  // LIVENESS_DETECTION_FAILED, IDENTITY_VERIFICATION_FAILED, INVALID_BIOMETRIC_DATA, ...
  console.log(error.code, 'attempts left:', error.attemptsRemaining);
} else {
  // Send the result token to your backend, which verifies it with the JWKS.
  console.log(data.data.token);
}
