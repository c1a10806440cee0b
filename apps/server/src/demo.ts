import { randomBytes, randomUUID } from 'node:crypto';
import type { Config } from './config.js';
import { schemaDefaults } from './contract/defaults.js';
import { nowIso, objectId } from './ids.js';
import { type FlowInput, newFlow } from './resources/project-flows.js';
import type { AppRegistration, Store } from './store/types.js';
import { issueClientToken, type KeyRing } from './tokens.js';

export interface DemoIds {
  client: string;
  project: string;
  collection: string;
  loginFlow: string;
  onboardingFlow: string;
  /** Public flows for Verifik's web SDK: a browser starts them without a token. */
  publicLoginFlow: string;
  publicOnboardingFlow: string;
  appRegistration: string;
}

/** The browser origins of Verifik's web SDK run locally (`ng serve`), allowed by the demo project. */
const SDK_ORIGINS = ['http://localhost:4200', 'http://127.0.0.1:4200'];

export interface Demo extends DemoIds {
  clientAccessToken: string;
  appRegistrationToken: string;
  webhookSecret: string;
}

/** The demo client, project, collection and active flows, created in the store. */
async function createDemoResources(store: Store, now: string): Promise<DemoIds> {
  const client = objectId();
  await store.createClient({ id: client, name: 'Demo client', createdAt: now });
  const project = objectId();
  await store.createProject({
    id: project,
    clientId: client,
    name: 'Demo project',
    webhookSecret: `whsec_${randomBytes(24).toString('base64')}`,
    allowedOrigins: SDK_ORIGINS,
    createdAt: now,
    updatedAt: now,
  });
  const collection = objectId();
  await store.createCollection({
    id: collection,
    clientId: client,
    projectId: project,
    name: 'Demo collection',
    code: randomUUID(),
    version: 0,
    createdAt: now,
    updatedAt: now,
  });
  const origin = { clientId: client, projectId: project, collectionId: collection, now };
  // The demo's flows are made as an API request without settings would make them.
  const defaults = schemaDefaults('CreateProjectFlowRequest') as Omit<FlowInput, 'type' | 'name'>;
  const login = newFlow(
    { ...defaults, type: 'login', status: 'active', name: 'Demo login' },
    { ...origin, id: objectId() },
  );
  const onboarding = newFlow(
    { ...defaults, type: 'onboarding', status: 'active', name: 'Demo onboarding' },
    { ...origin, id: objectId() },
  );
  await store.createFlow(login);
  await store.createFlow(onboarding);
  return {
    client,
    project,
    collection,
    loginFlow: login.id,
    onboardingFlow: onboarding.id,
    ...(await createPublicFlows(store, origin)),
    appRegistration: '',
  };
}

/**
 * The public login and onboarding flows Verifik's web SDK starts from the browser: the login finds
 * its person by the 1:N search (the SDK's identifier is a device hash), and both judge the one
 * image the SDK sends (passive liveness). They send the browser back to the SDK's sign-in page.
 */
async function createPublicFlows(
  store: Store,
  origin: { clientId: string; projectId: string; collectionId: string; now: string },
) {
  const defaults = schemaDefaults('CreateProjectFlowRequest') as Omit<FlowInput, 'type' | 'name'>;
  const common = {
    ...defaults,
    status: 'active' as const,
    public: true,
    // The SDK sends one image and runs no challenge: active liveness would refuse every attempt.
    livenessMode: 'passive' as const,
    redirectUrl: `${SDK_ORIGINS[0]}/sign-in`,
  };
  const login = newFlow(
    { ...common, type: 'login', name: 'Web SDK login', loginMatch: 'search' },
    { ...origin, id: objectId() },
  );
  const onboarding = newFlow(
    { ...common, type: 'onboarding', name: 'Web SDK onboarding' },
    { ...origin, id: objectId() },
  );
  await store.createFlow(login);
  await store.createFlow(onboarding);
  return { publicLoginFlow: login.id, publicOnboardingFlow: onboarding.id };
}

/** The demo's app registration while it is open for at least another hour, else a new one. */
async function openDemoRegistration(store: Store, ids: DemoIds, config: Config, now: string) {
  const reg = ids.appRegistration ? await store.getAppRegistration(ids.appRegistration) : undefined;
  if (reg?.status === 'STARTED' && Date.parse(reg.expiresAt) > Date.now() + 3600_000) return reg;
  const r: AppRegistration = {
    id: objectId(),
    clientId: ids.client,
    projectId: ids.project,
    flowId: ids.onboardingFlow,
    status: 'STARTED',
    email: `demo+${randomBytes(3).toString('hex')}@example.com`,
    collectionId: ids.collection,
    expiresAt: nowIso(Date.now() + config.APP_REGISTRATION_TTL_S * 1000),
    createdAt: now,
    updatedAt: now,
  };
  await store.createAppRegistration(r);
  return r;
}

/**
 * Creates (once) a demo client with a project, a collection, active login and onboarding flows and
 * an app registration; later runs reuse them and issue fresh tokens.
 */
export async function ensureDemo(store: Store, keys: KeyRing, config: Config): Promise<Demo> {
  const saved = await store.getSetting('demo');
  let ids: DemoIds | undefined = saved ? JSON.parse(saved) : undefined;
  if (ids && !(await store.getFlow(ids.client, ids.loginFlow))) ids = undefined;
  const now = nowIso();
  ids ??= await createDemoResources(store, now);
  if (!ids.publicLoginFlow) {
    // A demo made before the public flows existed gets them, and the SDK's origins.
    const project = await store.getProject(ids.client, ids.project);
    if (project) await store.updateProject({ ...project, allowedOrigins: SDK_ORIGINS, updatedAt: now });
    const origin = { clientId: ids.client, projectId: ids.project, collectionId: ids.collection, now };
    ids = { ...ids, ...(await createPublicFlows(store, origin)) };
  }
  const reg = await openDemoRegistration(store, ids, config, now);
  ids.appRegistration = reg.id;
  await store.setSetting('demo', JSON.stringify(ids));
  const { token } = await issueClientToken(store, keys, ids.client, config.CLIENT_TOKEN_TTL_S);
  const appRegistrationToken = await keys.sign(
    'app-registration',
    { sub: reg.id, project: reg.projectId },
    new Date(reg.expiresAt),
  );
  const project = await store.getProject(ids.client, ids.project);
  return {
    ...ids,
    clientAccessToken: token,
    appRegistrationToken,
    webhookSecret: project?.webhookSecret ?? '',
  };
}

export function demoCurl(config: Config, demo: Demo) {
  const body = JSON.stringify({
    project: demo.project,
    projectFlow: demo.loginFlow,
    identifier: 'demo-user',
    type: 'login',
  });
  return `curl -s -X POST ${config.publicUrl}/v2/biometric-validations -H 'Authorization: Bearer ${demo.clientAccessToken}' -H 'Content-Type: application/json' -d '${body}'`;
}
