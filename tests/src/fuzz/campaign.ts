import type { RunningHttpProcess } from '@faceproof/process-testing';
import type { Demo } from '@faceproof/server';
import { api, exchange, type Session } from './client.js';
import { killMidLoad } from './fault.js';
import { checkIntegrity } from './integrity.js';
import { makePool } from './pool.js';
import { RACES } from './races.js';
import { Recorder, type StoreReport } from './report.js';
import { endpoint } from './send.js';
import { SEQUENCES } from './sequences.js';
import { requestStream } from './stream.js';
import { demoOn, prepareStorage, type StoreKind, startCanary, startServerOn } from './target.js';

export interface CampaignOptions {
  /** Generated and mutated requests per store (the set-up, sequences and checks come on top). */
  requests: number;
  seed: number;
  stores: StoreKind[];
  /** Requests of the generated stream in flight at once. */
  concurrency: number;
  /** Sessions opened for the stream to use (app registrations: a quarter of that). */
  poolSize: number;
  /** Acknowledged writes before the `kill -9`. */
  killAfter: number;
  /** Progress lines (stderr by the CLI); silent in the test. */
  log?: (line: string) => void;
}

async function runStream(
  s: Session,
  requests: Iterator<unknown>,
  concurrency: number,
  log: (l: string) => void,
) {
  let sent = 0;
  const worker = async () => {
    for (let next = requests.next(); !next.done; next = requests.next()) {
      await exchange(s, 'generated', next.value as never);
      if (++sent % 1000 === 0) log(`  ${sent} generated requests sent`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

async function stillHealthy(s: Session, server: RunningHttpProcess, label: string) {
  const health = await api(s, 'health', 'getHealth');
  const ready = await api(s, 'health', 'getReadiness');
  const alive = server.child.exitCode === null && server.child.signalCode === null;
  s.recorder.check(
    `healthy after ${label}`,
    alive && health.status === 200 && ready.status === 200,
    `process ${alive ? 'running' : 'exited'}, healthz ${health.status}, readyz ${ready.status}`,
  );
}

async function namedSequences(s: Session, demo: Demo) {
  for (const run of [...SEQUENCES, ...RACES]) {
    const result = await run(s, demo).catch((e: Error) => ({ name: run.name, ok: false, detail: e.message }));
    s.recorder.check(`sequence: ${result.name}`, result.ok, result.detail);
  }
}

/** The whole campaign on one store, from an empty database to the integrity checks. */
export async function runStore(kind: StoreKind, o: CampaignOptions): Promise<StoreReport> {
  const log = o.log ?? (() => {});
  const recorder = new Recorder(kind);
  const started = performance.now();
  const storage = await prepareStorage(kind);
  const canary = await startCanary();
  let server: RunningHttpProcess | undefined;
  try {
    const demo = await demoOn(storage);
    server = await startServerOn(storage);
    const s: Session = { to: endpoint(server.url), recorder };
    log(`${kind}: server on ${server.url}; setting up the pool`);
    const pool = await makePool(s, demo, canary.port, o.poolSize);
    log(`${kind}: ${o.requests} generated requests (seed ${o.seed}, ${o.concurrency} at once)`);
    await runStream(s, requestStream(pool, canary.port, o.seed, o.requests), o.concurrency, log);
    await stillHealthy(s, server, 'generated');
    log(`${kind}: sequences and races`);
    await namedSequences(s, demo);
    await stillHealthy(s, server, 'sequences');
    s.to.agent.destroy();
    log(`${kind}: kill -9 under load, restart`);
    server = await killMidLoad(recorder, storage, server, demo, { killAfter: o.killAfter, workers: 6 });
    const after: Session = { to: endpoint(server.url), recorder };
    log(`${kind}: integrity`);
    await checkIntegrity(recorder, storage, after, demo);
    after.to.agent.destroy();
    recorder.check('no request reached the canary on loopback', canary.hits() === 0, `${canary.hits()} hits`);
  } catch (error) {
    recorder.check('campaign ran to the end', false, (error as Error).stack ?? String(error));
  } finally {
    await server?.stop();
    await canary.close();
    await storage.release();
  }
  recorder.report.durationMs = Math.round(performance.now() - started);
  return recorder.report;
}
