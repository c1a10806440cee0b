import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { ensureFixtures } from '@faceproof/face-engine/fixtures';
import { freePort, type RunningHttpProcess, startHttpProcess } from '@faceproof/process-testing';
import type { TestProject } from 'vitest/node';
import { startMailSink } from './mail-sink.js';
import { type Demo, demo, type ServerTarget, startServer } from './server-target.js';

const require = createRequire(import.meta.url);

declare module 'vitest' {
  export interface ProvidedContext {
    mockUrl: string;
    serverUrl: string;
    serverDataDir: string;
    mailDir: string;
    demo: Demo;
    /** Whether this run shuffles tests (`sequence.shuffle`), for suites that set their own order. */
    shuffle: boolean;
  }
}

/**
 * Starts both targets once for the whole contract suite, as real processes on ephemeral loopback
 * ports: the mock exactly as `pnpm mock` runs it, and the real server on a fresh database with the
 * demo client, project, flows and collection, and one face engine worker with no queue (so that
 * the engine's `503` can be provoked with two simultaneous validations).
 */
export default async function setup(project: TestProject) {
  // Started side by side; whatever started is stopped again if anything failed.
  const mail = await startMailSink();
  const [mock, server, images] = await Promise.allSettled([
    startMock(),
    startServer({
      ENGINE_MAX_QUEUE: '0',
      // The contract's own traffic must not trip the limits; a second server tests them.
      RATE_LIMIT_MAX: '1000000',
      RATE_LIMIT_IP_MAX: '1000000',
      PUBLIC_START_IP_MAX: '1000000',
      PUBLIC_START_FLOW_MAX: '1000000',
      SMTP_URL: mail.url,
      MAIL_FROM: 'Faceproof <no-reply@faceproof.test>',
      MAIL_POLL_MS: '50',
      MAIL_BASE_DELAY_MS: '100',
    }),
    ensureFixtures(),
  ]);
  const running = [mail, ...[mock, server].flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []))];
  const stopAll = () => Promise.all(running.map((p) => p.stop()));
  try {
    for (const r of [mock, server, images]) if (r.status === 'rejected') throw r.reason;
    if (mock.status !== 'fulfilled' || server.status !== 'fulfilled') throw new Error('unreachable');
    project.provide('mockUrl', mock.value.url);
    project.provide('serverUrl', server.value.url);
    project.provide('serverDataDir', server.value.dataDir);
    project.provide('mailDir', mail.dir);
    project.provide('demo', await singleImageDemo(server.value.url, await demo(server.value.dataDir)));
    project.provide('shuffle', Boolean(project.config.sequence.shuffle));
  } catch (error) {
    await stopAll();
    throw error;
  }
  return stopAll;
}
/**
 * The demo, its flows switched to passive liveness: the seed requests and most scenarios send one
 * image per attempt. The demo itself, like every new flow, is active; the scenarios of active
 * liveness run on flows of their own.
 */
async function singleImageDemo(base: string, d: Demo): Promise<Demo> {
  for (const id of [d.loginFlow, d.onboardingFlow]) {
    const res = await fetch(`${base}/v2/project-flows/${id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${d.clientAccessToken}` },
      body: JSON.stringify({ livenessMode: 'passive' }),
    });
    if (res.status !== 200) throw new Error(`PATCH demo flow ${id}: ${res.status} ${await res.text()}`);
  }
  return d;
}

async function startMock(): Promise<RunningHttpProcess> {
  const mockDir = dirname(require.resolve('@faceproof/mock/package.json'));
  const port = await freePort();
  return startHttpProcess({
    name: 'mock',
    command: process.execPath,
    args: [join(mockDir, 'dist/cli.js')],
    port,
    env: { MOCK_PORT: String(port), MOCK_HOST: '127.0.0.1' },
    readyPath: '/healthz',
  });
}

export type { ServerTarget };
