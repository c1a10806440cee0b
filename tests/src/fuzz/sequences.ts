import type { Demo } from '@faceproof/server';
import { faces } from '../images.js';
import { type Answer, api, made, type Session } from './client.js';

/** What one named sequence left behind: ok when nothing answered 5xx and nothing is stuck. */
export interface SequenceResult {
  name: string;
  ok: boolean;
  detail: string;
}

type Sequence = (s: Session, demo: Demo) => Promise<SequenceResult>;

const PHASE = 'sequences';

/** A status with the error code when there is one: `409 COLLECTION_IN_USE`. */
export const answered = (a: Answer) =>
  a.status >= 400 && a.json?.code ? `${a.status} ${a.json.code}` : String(a.status);
const below500 = (answers: Answer[]) => answers.every((a) => a.status > 0 && a.status < 500);
const statuses = (answers: Answer[]) => answers.map(answered).join(', ');

/**
 * A project of the sequence's own (the generated stream pauses and edits the pool's flows, the
 * demo's included) with a collection and an active flow of `type` enrolling into it. The sequences
 * send one image per attempt, so the flow's liveness is passive unless `extra` says otherwise. */
export async function ownFlow(s: Session, token: string, type: 'login' | 'onboarding', extra: object = {}) {
  const project = (await made(s, PHASE, 'createProject', { token, body: { name: `seq ${type}` } }))._id;
  const collection = (
    await made(s, PHASE, 'createCollection', { token, body: { project, name: 'seq faces' } })
  )._id;
  const flow = (
    await made(s, PHASE, 'createProjectFlow', {
      token,
      body: {
        project,
        type,
        status: 'active',
        name: `seq ${type}`,
        assignedCollection: collection,
        livenessMode: 'passive',
        ...extra,
      },
    })
  )._id;
  return { project, collection, flow };
}

async function session(
  s: Session,
  token: string,
  where: { project: string; flow: string },
  identifier: string,
) {
  const body = { project: where.project, projectFlow: where.flow, identifier, type: 'onboarding' };
  return made(s, PHASE, 'createBiometricValidation', { token, body });
}

async function validationStatus(s: Session, token: string, id: string) {
  const res = await api(s, PHASE, 'getBiometricValidation', { token, params: { id } });
  return res.status === 200 ? String(res.json.data.biometricValidation?.status) : `GET ${res.status}`;
}

const leapSecondExpiry: Sequence = async (s, demo) => {
  const token = demo.clientAccessToken;
  const where = await ownFlow(s, token, 'login');
  const answers: Answer[] = [];
  for (const expiresAt of ['2030-06-30T23:59:60Z', '2030-12-31T23:59:60+00:00', '2030-02-30T10:00:00Z'])
    answers.push(
      await api(s, PHASE, 'createBiometricValidation', {
        token,
        body: {
          project: where.project,
          projectFlow: where.flow,
          identifier: 'leap',
          type: 'login',
          expiresAt,
        },
      }),
    );
  const list = await api(s, PHASE, 'listBiometricValidations', { token, query: { project: where.project } });
  const all = [...answers, list];
  return { name: 'leap-second expiresAt', ok: below500(all) && list.status === 200, detail: statuses(all) };
};

const redirectPort99999: Sequence = async (s, demo) => {
  const token = demo.clientAccessToken;
  const where = await ownFlow(s, token, 'login');
  const redirectUrl = 'https://app.example.invalid:99999/done';
  const answers = [
    await api(s, PHASE, 'createBiometricValidation', {
      token,
      body: {
        project: where.project,
        projectFlow: where.flow,
        identifier: 'port',
        type: 'login',
        redirectUrl,
      },
    }),
    await api(s, PHASE, 'createProjectFlow', {
      token,
      body: { project: where.project, type: 'login', redirectUrl },
    }),
    await api(s, PHASE, 'updateProjectFlow', { token, params: { id: where.flow }, body: { redirectUrl } }),
  ];
  const flow = await api(s, PHASE, 'getProjectFlow', { token, params: { id: where.flow } });
  const kept = flow.status === 200 && flow.json.data.redirectUrl !== redirectUrl;
  return {
    name: 'redirectUrl port 99999',
    ok: below500(answers) && kept,
    detail: statuses([...answers, flow]),
  };
};

const deleteCollectionUnderOnboarding: Sequence = async (s, demo) => {
  const token = demo.clientAccessToken;
  const where = await ownFlow(s, token, 'onboarding');
  const created = await session(s, token, where, 'orphaned');
  const answers = [
    await api(s, PHASE, 'updateProjectFlow', {
      token,
      params: { id: where.flow },
      body: { assignedCollection: null },
    }),
    await api(s, PHASE, 'deleteCollection', { token, params: { id: where.collection } }),
  ];
  for (let attempt = 0; attempt < 2; attempt++)
    answers.push(
      await api(s, PHASE, 'validateBiometricValidation', {
        token: created.token,
        body: { image: faces.carol },
      }),
    );
  const status = await validationStatus(s, token, created.biometricValidation._id);
  return {
    name: 'delete collection under a live onboarding',
    ok: below500(answers) && !status.startsWith('GET'),
    detail: `${statuses(answers)}; validation ${status}`,
  };
};

const deletePersonThenForce: Sequence = async (s, demo) => {
  const token = demo.clientAccessToken;
  const where = await ownFlow(s, token, 'onboarding');
  const registration = (email: string) =>
    made(s, PHASE, 'createAppRegistration', {
      token,
      body: { project: where.project, projectFlow: where.flow, email },
    });
  const first = await registration('first@fuzz.example.invalid');
  const enrol = (t: string, force: boolean) =>
    api(s, PHASE, 'createAppRegistrationBiometricValidation', {
      token: t,
      body: { image: faces.alice, os: 'ANDROID', force },
    });
  const answers = [await enrol(first.token, false)];
  const person = answers[0]?.json?.data?.person;
  if (person)
    answers.push(
      await api(s, PHASE, 'deletePerson', { token, params: { id: String(person._id ?? person) } }),
    );
  answers.push(await enrol(first.token, true));
  const second = await registration('second@fuzz.example.invalid');
  answers.push(await enrol(second.token, false));
  return { name: 'delete person then re-enrol with force', ok: below500(answers), detail: statuses(answers) };
};

/** How many persons `collection` holds (read through the API). */
async function personsIn(s: Session, token: string, collection: string): Promise<number> {
  const res = await api(s, PHASE, 'listPersons', { token, query: { collection } });
  return res.status === 200 ? Number(res.json.total) : Number.NaN;
}

async function simultaneousOnboardings(s: Session, demo: Demo, identifiers: string[]) {
  const token = demo.clientAccessToken;
  const where = await ownFlow(s, token, 'onboarding');
  const sessions = await Promise.all(identifiers.map((id) => session(s, token, where, id)));
  const answers = await Promise.all(
    sessions.map((v) =>
      api(s, 'races', 'validateBiometricValidation', { token: v.token, body: { image: faces.aliceAgain } }),
    ),
  );
  return { answers, persons: await personsIn(s, token, where.collection) };
}

const sameIdentifierAtOnce: Sequence = async (s, demo) => {
  const { answers, persons } = await simultaneousOnboardings(s, demo, ['twin', 'twin', 'twin']);
  return {
    name: 'concurrent onboardings of one identifier',
    ok: below500(answers) && persons <= 1,
    detail: `${statuses(answers)}; persons ${persons}`,
  };
};

const sameFaceAtOnce: Sequence = async (s, demo) => {
  const { answers, persons } = await simultaneousOnboardings(s, demo, ['face-a', 'face-b', 'face-c']);
  return {
    name: 'same face under different identifiers at once',
    ok: below500(answers) && persons <= 1,
    detail: `${statuses(answers)}; persons ${persons}`,
  };
};

/** The sequences, one after another (each makes its own project). */
export const SEQUENCES: Sequence[] = [
  leapSecondExpiry,
  redirectPort99999,
  deleteCollectionUnderOnboarding,
  deletePersonThenForce,
  sameIdentifierAtOnce,
  sameFaceAtOnce,
];
