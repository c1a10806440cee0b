import { readFile } from 'node:fs/promises';
import { createFaceproofClient } from '@faceproof/client';

const fp = createFaceproofClient({ baseUrl: process.env.FACEPROOF_URL ?? 'http://127.0.0.1:3000' });

const image = await readFile('face.jpg');
const { data, error } = await fp.appRegistration(appRegistrationToken).validateFace({ image, os: 'DESKTOP' });
if (error) {
  // person_already_set, liveness_failed, collection_not_set, appRegistration_not_active, ...
  console.log(error.code, error.message);
} else {
  console.log('enrolled', data.data);
}
