import type { Demo } from '@faceproof/server';
import { faces } from '../images.js';
import { made, type Session } from './client.js';
import { loopbackForms } from './safe-urls.js';

/**
 * The records the generated requests name: made through the API before the stream starts (so a
 * generated id is usually a real one and requests reach past the `404`s), in a fixed order so
 * that a seed picks the same roles again.
 */
export interface Pool {
  clientToken: string;
  projects: string[];
  flows: string[];
  collections: string[];
  persons: string[];
  validations: string[];
  registrations: string[];
  sessionTokens: string[];
  registrationTokens: string[];
}

const SETUP = 'setup';

async function ownFlows(s: Session, demo: Demo, project: string, collection: string, canaryPort: number) {
  const token = demo.clientAccessToken;
  // Single-image flows are passive; the hooked one keeps the default (active) liveness, so the stream
  // also meets the answers of an active flow to one image.
  const passive = { livenessMode: 'passive' };
  const bodies = [
    { type: 'login', status: 'active', name: 'fuzz login', assignedCollection: collection, ...passive },
    {
      type: 'onboarding',
      status: 'active',
      name: 'fuzz onboarding',
      assignedCollection: collection,
      ...passive,
    },
    { type: 'login', status: 'paused', name: 'fuzz paused', maxAttempts: 1 },
    {
      type: 'onboarding',
      status: 'active',
      name: 'fuzz hooked',
      assignedCollection: collection,
      webhookUrl: loopbackForms(canaryPort)[0],
      allowedRedirectOrigins: ['https://app.example.invalid'],
    },
  ];
  const flows: string[] = [];
  for (const body of bodies)
    flows.push((await made(s, SETUP, 'createProjectFlow', { token, body: { project, ...body } }))._id);
  return flows;
}

async function sessions(s: Session, pool: Pool, count: number) {
  for (let i = 0; i < count; i++) {
    // The flows alternate login and onboarding; the first four are the campaign's own project's.
    const which = i % pool.flows.length;
    const flow = pool.flows[which];
    const project = which < 4 ? pool.projects[0] : pool.projects[1];
    const type = which % 2 === 0 ? 'login' : 'onboarding';
    const body = { project, projectFlow: flow, identifier: `fuzz-${i}`, type };
    const res = await made(s, SETUP, 'createBiometricValidation', { token: pool.clientToken, body }).catch(
      () => undefined,
    );
    if (!res) continue;
    pool.validations.push(res.biometricValidation._id);
    pool.sessionTokens.push(res.token);
  }
}

async function registrations(s: Session, pool: Pool, demo: Demo, count: number) {
  for (let i = 0; i < count; i++) {
    const body = {
      project: demo.project,
      projectFlow: demo.onboardingFlow,
      email: `fuzz${i}@fuzz.example.invalid`,
    };
    const res = await made(s, SETUP, 'createAppRegistration', { token: pool.clientToken, body });
    pool.registrations.push(res.appRegistration._id);
    pool.registrationTokens.push(res.token);
  }
}

/** One enrolled person, from a real face: the only face analysis of the set-up (on a passive flow). */
async function enrolled(s: Session, token: string, project: string, onboardingFlow: string): Promise<string> {
  const body = {
    project,
    projectFlow: onboardingFlow,
    identifier: 'fuzz-person',
    type: 'onboarding',
  };
  const created = await made(s, SETUP, 'createBiometricValidation', { token, body });
  const done = await made(s, SETUP, 'validateBiometricValidation', {
    token: created.token,
    body: { image: faces.bob },
  });
  return done.person;
}

export async function makePool(s: Session, demo: Demo, canaryPort: number, size: number): Promise<Pool> {
  const token = demo.clientAccessToken;
  const project = (await made(s, SETUP, 'createProject', { token, body: { name: 'fuzz project' } }))._id;
  const collection = (
    await made(s, SETUP, 'createCollection', { token, body: { project, name: 'fuzz faces' } })
  )._id;
  const own = await ownFlows(s, demo, project, collection, canaryPort);
  const passiveOnboarding = own[1];
  if (!passiveOnboarding) throw new Error('the pool has no passive onboarding flow');
  const pool: Pool = {
    clientToken: token,
    projects: [project, demo.project],
    flows: [...own, demo.loginFlow, demo.onboardingFlow],
    collections: [collection, demo.collection],
    persons: [await enrolled(s, token, project, passiveOnboarding)],
    validations: [],
    registrations: [demo.appRegistration],
    sessionTokens: [],
    registrationTokens: [demo.appRegistrationToken],
  };
  await sessions(s, pool, size);
  await registrations(s, pool, demo, Math.max(2, Math.floor(size / 4)));
  return pool;
}
