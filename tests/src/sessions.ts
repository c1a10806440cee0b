import { call } from './http.js';
import type { Demo } from './server-target.js';
import { operation } from './spec.js';

/** Fresh tokens of each kind from the real server's demo project, for requests that need one. */
export async function freshSession(base: string, demo: Demo, identifier = 'seed-user'): Promise<string> {
  const res = await call(base, {
    operationId: 'createBiometricValidation',
    token: demo.clientAccessToken,
    body: { project: demo.project, projectFlow: demo.loginFlow, identifier, type: 'login' },
  });
  if (res.status !== 200) throw new Error(`could not open a session: ${res.text}`);
  return res.json.data.token;
}

export async function freshRegistration(
  base: string,
  demo: Demo,
  email = 'seed@example.com',
): Promise<string> {
  const res = await call(base, {
    operationId: 'createAppRegistration',
    token: demo.clientAccessToken,
    body: { project: demo.project, projectFlow: demo.onboardingFlow, email },
  });
  if (res.status !== 200) throw new Error(`could not open an app registration: ${res.text}`);
  return res.json.data.token;
}

/** The token an operation accepts (by its security scheme), fresh from the server. */
export async function tokenFor(operationId: string, base: string, demo: Demo): Promise<string> {
  const { scheme } = operation(operationId);
  if (scheme === 'livenessSessionToken') return freshSession(base, demo);
  if (scheme === 'appRegistrationToken') return freshRegistration(base, demo);
  return demo.clientAccessToken;
}
