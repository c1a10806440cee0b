import type { Demo } from '@faceproof/server';
import { type Answer, api, made, type Session } from './client.js';
import { answered, ownFlow, type SequenceResult } from './sequences.js';

type Race = (s: Session, demo: Demo) => Promise<SequenceResult>;

const PHASE = 'races';
const below500 = (answers: Answer[]) => answers.every((a) => a.status > 0 && a.status < 500);
const statusCounts = (answers: Answer[]) => {
  const counts: Record<string, number> = {};
  for (const a of answers) counts[answered(a)] = (counts[answered(a)] ?? 0) + 1;
  return Object.entries(counts)
    .map(([status, n]) => `${n}×${status}`)
    .join(' ');
};
const at = <T>(n: number, f: (i: number) => Promise<T>) =>
  Promise.all(Array.from({ length: n }, (_, i) => f(i)));

/** Ten replays of one create with one Idempotency-Key, sent at once: one validation at most. */
const idempotentReplays: Race = async (s, demo) => {
  const where = await ownFlow(s, demo.clientAccessToken, 'login');
  const body = { project: where.project, projectFlow: where.flow, identifier: 'replayed', type: 'login' };
  const headers = { 'idempotency-key': crypto.randomUUID() };
  const answers = await at(10, () =>
    api(s, PHASE, 'createBiometricValidation', { token: demo.clientAccessToken, body, headers }),
  );
  const ids = new Set(
    answers.filter((a) => a.status === 200).map((a) => a.json.data.biometricValidation._id),
  );
  return {
    name: 'ten idempotent replays at once',
    ok: below500(answers) && ids.size <= 1,
    detail: `${statusCounts(answers)}; distinct validations ${ids.size}`,
  };
};

/** A collection deleted while flows and validations are created against it. */
const deleteWhileCreating: Race = async (s, demo) => {
  const token = demo.clientAccessToken;
  const project = (await made(s, PHASE, 'createProject', { token, body: { name: 'race project' } }))._id;
  const collection = (
    await made(s, PHASE, 'createCollection', { token, body: { project, name: 'race faces' } })
  )._id;
  const flow = (
    await made(s, PHASE, 'createProjectFlow', {
      token,
      body: { project, type: 'onboarding', status: 'active', assignedCollection: collection },
    })
  )._id;
  const answers = await at(12, (i) => {
    if (i % 4 === 0) return api(s, PHASE, 'deleteCollection', { token, params: { id: collection } });
    if (i % 4 === 1)
      return api(s, PHASE, 'createProjectFlow', {
        token,
        body: { project, type: 'onboarding', assignedCollection: collection },
      });
    return api(s, PHASE, 'createBiometricValidation', {
      token,
      body: { project, projectFlow: flow, identifier: `r${i}`, type: 'onboarding' },
    });
  });
  return {
    name: 'delete a collection while creating against it',
    ok: below500(answers),
    detail: statusCounts(answers),
  };
};

/** Ten renames of one flow at once: the flow ends with one of them. */
const concurrentRenames: Race = async (s, demo) => {
  const token = demo.clientAccessToken;
  const where = await ownFlow(s, token, 'login');
  const names = Array.from({ length: 10 }, (_, i) => `renamed ${i}`);
  const answers = await at(10, (i) =>
    api(s, PHASE, 'updateProjectFlow', { token, params: { id: where.flow }, body: { name: names[i] } }),
  );
  const flow = await api(s, PHASE, 'getProjectFlow', { token, params: { id: where.flow } });
  const kept = flow.status === 200 && names.includes(flow.json.data.name);
  return {
    name: 'ten renames of one flow at once',
    ok: below500(answers) && kept,
    detail: statusCounts(answers),
  };
};

export const RACES: Race[] = [idempotentReplays, deleteWhileCreating, concurrentRenames];
