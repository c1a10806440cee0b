import { randomBytes, randomUUID } from 'node:crypto';
import type { Config } from './config.js';
import { nowIso, objectId } from './ids.js';
import type { AppRegistration, ProjectFlow, Store } from './store/types.js';
import { issueClientToken, type KeyRing } from './tokens.js';

export interface DemoIds {
  client: string;
  project: string;
  collection: string;
  loginFlow: string;
  onboardingFlow: string;
  appRegistration: string;
}

export interface Demo extends DemoIds {
  clientAccessToken: string;
  appRegistrationToken: string;
  webhookSecret: string;
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
  if (!ids) {
    const client = objectId();
    await store.createClient({ id: client, name: 'Demo client', createdAt: now });
    const project = objectId();
    await store.createProject({
      id: project,
      clientId: client,
      name: 'Demo project',
      webhookSecret: `whsec_${randomBytes(24).toString('base64')}`,
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
      createdAt: now,
      updatedAt: now,
    });
    const flow = (type: ProjectFlow['type']): ProjectFlow => ({
      id: objectId(),
      clientId: client,
      projectId: project,
      type,
      status: 'active',
      name: type === 'login' ? 'Demo login' : 'Demo onboarding',
      livenessMinScore: 0.6,
      searchMode: 'ACCURATE',
      searchMinScore: 0.9,
      maxAttempts: 3,
      retainFaceImages: false,
      collectionId: collection,
      createdAt: now,
      updatedAt: now,
    });
    const login = flow('login');
    const onboarding = flow('onboarding');
    await store.createFlow(login);
    await store.createFlow(onboarding);
    ids = {
      client,
      project,
      collection,
      loginFlow: login.id,
      onboardingFlow: onboarding.id,
      appRegistration: '',
    };
  }
  let reg = ids.appRegistration ? await store.getAppRegistration(ids.appRegistration) : undefined;
  if (reg?.status !== 'STARTED' || Date.parse(reg.expiresAt) <= Date.now() + 3600_000) {
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
    reg = r;
    ids.appRegistration = r.id;
  }
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
