import type { RunningHttpProcess } from '@faceproof/process-testing';
import type { Demo } from '@faceproof/server';
import { type Answer, api, type Session } from './client.js';
import type { Recorder } from './report.js';
import { endpoint } from './send.js';
import { ownFlow } from './sequences.js';
import { type Storage, startServerOn } from './target.js';

const PHASE = 'kill -9';

/** What was acknowledged (answered 200) before the kill, by the operation that reads it back. */
interface Acknowledged {
  getProject: string[];
  getCollection: string[];
  getBiometricValidation: string[];
  sessionTokens: string[];
}

/** The load's own project and login flow (the generated stream may have paused the demo's). */
interface Where {
  token: string;
  project: string;
  flow: string;
}

/** One write of the load, chosen by the worker's turn, and what its 200 acknowledges. */
async function oneWrite(s: Session, where: Where, turn: number, acked: Acknowledged): Promise<Answer> {
  const { token } = where;
  const kind = turn % 3;
  const send = (operationId: string, body: object) => api(s, PHASE, operationId, { token, body });
  if (kind === 0) {
    const a = await send('createProject', { name: `kill ${turn}` });
    if (a.status === 200) acked.getProject.push(a.json.data._id);
    return a;
  }
  if (kind === 1) {
    const a = await send('createCollection', { project: where.project, name: `kill ${turn}` });
    if (a.status === 200) acked.getCollection.push(a.json.data._id);
    return a;
  }
  const body = { project: where.project, projectFlow: where.flow, identifier: `kill-${turn}`, type: 'login' };
  const a = await send('createBiometricValidation', body);
  if (a.status === 200) {
    acked.getBiometricValidation.push(a.json.data.biometricValidation._id);
    acked.sessionTokens.push(a.json.data.token);
  }
  return a;
}

/** Writes from `workers` loops until the server stops answering; kills it after `killAfter` acknowledgements. */
async function loadAndKill(
  s: Session,
  where: Where,
  server: RunningHttpProcess,
  killAfter: number,
  workers: number,
) {
  const acked: Acknowledged = {
    getProject: [],
    getCollection: [],
    getBiometricValidation: [],
    sessionTokens: [],
  };
  let killed = false;
  let turn = 0;
  const count = () =>
    acked.getProject.length + acked.getCollection.length + acked.getBiometricValidation.length;
  const exited = new Promise<void>((r) => server.child.once('exit', () => r()));
  const worker = async () => {
    for (;;) {
      const a = await oneWrite(s, where, turn++, acked);
      if (!killed && count() >= killAfter) {
        killed = true;
        server.child.kill('SIGKILL');
      }
      if (killed && a.status === 0) return;
    }
  };
  await Promise.all(Array.from({ length: workers }, worker));
  await exited;
  return acked;
}

/** Reads every acknowledged record back from the restarted server; the ids not found. */
async function missing(s: Session, demo: Demo, acked: Acknowledged): Promise<string[]> {
  const lost: string[] = [];
  for (const op of ['getProject', 'getCollection', 'getBiometricValidation'] as const)
    for (const id of acked[op]) {
      const res = await api(s, 'after restart', op, { token: demo.clientAccessToken, params: { id } });
      if (res.status !== 200) lost.push(`${op} ${id}: ${res.status}`);
    }
  return lost;
}

/** Sessions opened before the kill still take an attempt (a 4xx for an image without a face). */
async function stuckSessions(s: Session, acked: Acknowledged): Promise<string[]> {
  const tokens = acked.sessionTokens.slice(-3);
  const image = 'data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///ywAAAAAAQABAAACAUwAOw==';
  const answers = await Promise.all(
    tokens.map((token) => api(s, 'after restart', 'validateBiometricValidation', { token, body: { image } })),
  );
  return answers.filter((a) => a.status === 0 || a.status >= 500).map((a) => `validate answered ${a.status}`);
}

/**
 * A `kill -9` of the server in the middle of a write load, then a restart on the same database:
 * every acknowledged write is still there, and sessions opened before the kill still work.
 */
export async function killMidLoad(
  recorder: Recorder,
  storage: Storage,
  server: RunningHttpProcess,
  demo: Demo,
  options: { killAfter: number; workers: number },
): Promise<RunningHttpProcess> {
  const before: Session = { to: endpoint(server.url), recorder };
  const where = {
    token: demo.clientAccessToken,
    ...(await ownFlow(before, demo.clientAccessToken, 'login')),
  };
  const acked = await loadAndKill(before, where, server, options.killAfter, options.workers);
  before.to.agent.destroy();
  const restarted = await startServerOn(storage);
  const after: Session = { to: endpoint(restarted.url), recorder };
  const lost = await missing(after, demo, acked);
  const total = acked.getProject.length + acked.getCollection.length + acked.getBiometricValidation.length;
  recorder.check(
    'kill -9: acknowledged writes kept',
    lost.length === 0,
    `${total - lost.length} of ${total} found${lost.length ? `; lost ${lost.slice(0, 5).join(', ')}` : ''}`,
  );
  const stuck = await stuckSessions(after, acked);
  recorder.check(
    'kill -9: sessions opened before still answer',
    stuck.length === 0,
    stuck.join('; ') || 'all answered below 500',
  );
  after.to.agent.destroy();
  return restarted;
}
