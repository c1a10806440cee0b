import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Demo } from '../src/demo.js';
import { client, dataUri, fx, type OwnFlows, ownFlows, testDatabase } from './helpers.js';

const PKG = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = mkdtempSync(path.join(tmpdir(), 'faceproof-webhooks-'));
let port = 0;
let proc: ChildProcess | undefined;
let receiver: Server;
let receiverBase = '';
// Each test has its own receiver path, so it sees only its own deliveries, in any order. A path
// in `hanging` gets no answer: the server is killed mid-delivery.
const hanging = new Set<string>();
const received: { path: string; headers: IncomingHttpHeaders; body: string }[] = [];
const deliveriesTo = (hook: string) => received.filter((r) => r.path === new URL(hook).pathname);
let hooks = 0;
const newHook = () => `${receiverBase}/hook/${++hooks}`;
let demo: Demo;
let db: Awaited<ReturnType<typeof testDatabase>>;

const env = () => ({
  ...process.env,
  ...db.env,
  FACEPROOF_DATA_DIR: dir,
  HOST: '127.0.0.1',
  PORT: String(port),
  ENGINE_WORKERS: '1',
  LOG_LEVEL: 'warn',
  WEBHOOK_POLL_MS: '50',
  WEBHOOK_BASE_DELAY_MS: '100',
  WEBHOOK_TIMEOUT_MS: '1000',
  // The receivers of these tests listen on loopback, which the default outbound policy refuses.
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
});

async function freePort() {
  const s = createNetServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const p = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return p;
}

async function startProcess() {
  proc = spawn(process.execPath, ['dist/server.js'], {
    cwd: PKG,
    env: env(),
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('server did not become ready');
}

async function waitFor(pred: () => boolean, ms = 20_000) {
  const deadline = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

const call = () => client(`http://127.0.0.1:${port}`);

beforeAll(async () => {
  db = await testDatabase();
  port = await freePort();
  demo = JSON.parse(
    execFileSync(process.execPath, ['bin/faceproof.js', 'demo', '--json'], {
      cwd: PKG,
      env: env(),
      encoding: 'utf8',
    }),
  );
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      const hookPath = req.url ?? '';
      received.push({ path: hookPath, headers: req.headers, body });
      if (!hanging.has(hookPath)) res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  receiverBase = `http://127.0.0.1:${(receiver.address() as { port: number }).port}`;
  await startProcess();
});

afterAll(async () => {
  proc?.kill('SIGKILL');
  receiver?.closeAllConnections();
  await new Promise((r) => (receiver ? receiver.close(r) : r(undefined)));
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

/** A test's own collection and flows, so that no test meets another's persons. */
const myFlows = () => ownFlows({ call: call(), demo });

async function validation(
  flows: OwnFlows,
  type: 'login' | 'onboarding',
  identifier: string,
  image: string,
  webhookUrl: string,
) {
  const c = call();
  const created = await c('POST', '/v2/biometric-validations', {
    token: demo.clientAccessToken,
    body: {
      project: demo.project,
      projectFlow: type === 'login' ? flows.loginFlow : flows.onboardingFlow,
      identifier,
      type,
      webhookUrl,
    },
  });
  expect(created.status).toBe(200);
  const res = await c('POST', '/v2/biometric-validations/validate', {
    token: created.body.data.token,
    body: { image },
  });
  return res;
}

describe('webhooks', () => {
  it('posts signed events that verify with the project secret', async () => {
    const flows = await myFlows();
    const hook = newHook();
    const res = await validation(flows, 'onboarding', 'carol', dataUri(fx.personA[0]), hook);
    expect(res.status).toBe(200);
    await waitFor(() => deliveriesTo(hook).length >= 2);
    const wh = new Webhook(demo.webhookSecret);
    const mine = deliveriesTo(hook);
    const types = mine.map((r) => {
      const payload = wh.verify(r.body, r.headers as Record<string, string>) as {
        type: string;
        data: { person: string };
      };
      expect(payload.data.person).toBe(res.body.data.person);
      return payload.type;
    });
    expect(types.sort()).toEqual(['biometric_validation_created_person', 'biometric_validation_validated']);
    expect(() => wh.verify(`${mine[0]?.body} `, mine[0]?.headers as Record<string, string>)).toThrow();
  });

  it('redelivers after the server is SIGKILLed mid-delivery, and loses no acknowledged validation', async () => {
    const flows = await myFlows();
    const enrolled = await validation(flows, 'onboarding', 'dave', dataUri(fx.personA[0]), newHook());
    expect(enrolled.status).toBe(200);
    const hook = newHook();
    hanging.add(new URL(hook).pathname);
    const res = await validation(flows, 'login', 'dave', dataUri(fx.personA[1]), hook);
    expect(res.status).toBe(200);
    await waitFor(() => deliveriesTo(hook).length >= 1);
    const first = deliveriesTo(hook)[0] as (typeof received)[number];
    proc?.kill('SIGKILL');
    await new Promise((r) => proc?.once('exit', r));
    receiver.closeAllConnections();
    hanging.delete(new URL(hook).pathname);
    await startProcess();
    await waitFor(() => deliveriesTo(hook).length >= 2, 30_000);
    const again = deliveriesTo(hook)[1] as (typeof received)[number];
    expect(again.headers['webhook-id']).toBe(first.headers['webhook-id']);
    const payload = new Webhook(demo.webhookSecret).verify(
      again.body,
      again.headers as Record<string, string>,
    ) as {
      type: string;
      data: { biometricValidation: string };
    };
    expect(payload.type).toBe('biometric_validation_validated');
    const got = await call()('GET', `/v2/biometric-validations/${payload.data.biometricValidation}`, {
      token: demo.clientAccessToken,
    });
    expect(got.body.data.biometricValidation.status).toBe('completed');
    expect((await validation(flows, 'login', 'dave', dataUri(fx.personA[1]), newHook())).status).toBe(200);
  });
});
