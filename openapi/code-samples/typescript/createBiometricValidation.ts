import { createFaceproofClient } from '@faceproof/client';

// On your backend: the client access token never reaches a user's device.
const fp = createFaceproofClient({
  baseUrl: process.env.FACEPROOF_URL ?? 'http://127.0.0.1:3000',
  accessToken: process.env.FACEPROOF_CLIENT_TOKEN,
});

const { data, error } = await fp.biometricValidations.create({
  project: '66df5bf5c4d855fb0bdf5da2',
  projectFlow: '66df5c22c4d855fb0bdf5da9',
  identifier: '03da12fba',
  type: 'login',
});
if (error) throw new Error(`${error.code}: ${error.error}`);

// Hand these two to the user's device (or redirect it to the capture page).
const { token, biometricValidation } = data.data;
console.log(biometricValidation.url, token);
