import { call } from './http.js';

/** A name no other test uses, for a test's own identifiers, emails and records. */
export const unique = (prefix: string) => `${prefix}-${crypto.randomUUID().slice(0, 8)}`;

/** One request that must succeed: a test's own set-up, whose failure says what it was doing. */
async function made(base: string, c: Parameters<typeof call>[1]) {
  const res = await call(base, c);
  if (res.status !== 200) throw new Error(`set-up ${c.operationId} answered ${res.status}: ${res.text}`);
  return res.json.data;
}

export interface OwnProject<Flow extends string> {
  project: string;
  /** The collection the flows enrol into, unless a flow's body says otherwise. */
  collection: string;
  flows: Record<Flow, string>;
}

/**
 * A project of the test's own on the real server, with one collection and the flows `flows`
 * describes (by name; each body is completed with the project, `status: active` and the
 * collection). Nothing another test does can change what it finds there.
 */
export async function ownProject<Flow extends string>(
  base: string,
  token: string,
  flows: Record<Flow, Record<string, unknown>>,
): Promise<OwnProject<Flow>> {
  const project = (
    await made(base, { operationId: 'createProject', token, body: { name: unique('project') } })
  )._id as string;
  const collection = (
    await made(base, { operationId: 'createCollection', token, body: { project, name: unique('faces') } })
  )._id as string;
  const ids = {} as Record<Flow, string>;
  for (const [name, body] of Object.entries(flows) as [Flow, Record<string, unknown>][]) {
    // One image per attempt unless the scenario asks for the active challenge.
    const flow = {
      project,
      status: 'active',
      name: unique(name),
      assignedCollection: collection,
      livenessMode: 'passive',
      ...body,
    };
    ids[name] = (await made(base, { operationId: 'createProjectFlow', token, body: flow }))._id;
  }
  return { project, collection, flows: ids };
}

/** Enrols `identifier` from `image` through an onboarding flow; returns the person's id. */
export async function onboard(
  base: string,
  token: string,
  where: { project: string; flow: string },
  identifier: string,
  image: string,
): Promise<string> {
  const created = await made(base, {
    operationId: 'createBiometricValidation',
    token,
    body: { project: where.project, projectFlow: where.flow, identifier, type: 'onboarding' },
  });
  const done = await made(base, {
    operationId: 'validateBiometricValidation',
    token: created.token,
    body: { image },
  });
  if (done.status !== 'completed') throw new Error(`onboarding ${identifier} ended ${done.status}`);
  return done.person;
}
