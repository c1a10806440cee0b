import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fixtures } from '@faceproof/face-engine/fixtures';
import { Contract, matchOperation } from '@faceproof/openapi';
import { expect, inject } from 'vitest';
import { createDatabase, dropDatabase } from '../src/bench/postgres.js';
import { buildServer, type Server } from '../src/boot.js';
import { loadConfig } from '../src/config.js';
import { type Demo, ensureDemo } from '../src/demo.js';

export const fx = fixtures();
export const dataUri = (file: string) =>
  `data:image/${file.endsWith('.png') ? 'png' : 'jpeg'};base64,${readFileSync(file).toString('base64')}`;

const contract = new Contract();

/**
 * Checks one response against the contract (the status is documented for the operation, the body
 * and headers match their schemas) and that X-Request-Id is set, and WWW-Authenticate and
 * Retry-After wherever the spec declares them. Every test goes through this hook.
 */
export function assertMatchesSpec(method: string, url: string, res: Response, text: string) {
  const pathname = new URL(url).pathname;
  const op = matchOperation(contract.operations, method, pathname);
  expect(res.headers.get('x-request-id'), `${method} ${pathname} X-Request-Id`).toBeTruthy();
  if (!op) return; // not an operation of the spec (unknown route)
  const key = `${op.operationId}:${res.status}`;
  const observed = { status: res.status, headers: res.headers, text };
  expect(contract.violations(op.operationId, observed), `${key} ${text.slice(0, 500)}`).toEqual([]);
  const declared = contract.resolve(op.op.responses[String(res.status)] ?? op.op.responses.default);
  for (const h of Object.keys(declared?.headers ?? {}).filter((h) =>
    ['WWW-Authenticate', 'Retry-After'].includes(h),
  ))
    expect(res.headers.get(h), `${key} header ${h}`).toBeTruthy();
}

export interface Call {
  status: number;
  body: any;
  headers: Headers;
}

export function client(base: string) {
  return async function call(
    method: string,
    p: string,
    opts: { token?: string; body?: unknown; raw?: string | Buffer; headers?: Record<string, string> } = {},
  ): Promise<Call> {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    let payload: string | Buffer | undefined;
    if (opts.body !== undefined) {
      payload = JSON.stringify(opts.body);
      headers['content-type'] ??= 'application/json';
    } else if (opts.raw !== undefined) payload = opts.raw;
    const url = `${base}${p}`;
    const res = await fetch(url, { method, headers, body: payload as string });
    const text = await res.text();
    const body = text ? JSON.parse(text) : undefined;
    assertMatchesSpec(method, url, res, text);
    return { status: res.status, body, headers: res.headers };
  };
}

export interface Harness {
  server: Server;
  base: string;
  dir: string;
  demo: Demo;
  call: ReturnType<typeof client>;
  close(): Promise<void>;
}

/** Which store this run tests: the `postgres` project of vitest.config.ts sets it. */
export const STORE = process.env.FACEPROOF_TEST_STORE === 'postgres' ? 'postgres' : 'sqlite';

/**
 * On the PostgreSQL run, a new empty database for one test file (and the function that drops it);
 * on the SQLite run, nothing: the data directory holds the database.
 */
export async function testDatabase(): Promise<{ env: Record<string, string>; drop(): Promise<void> }> {
  if (STORE !== 'postgres') return { env: {}, drop: async () => {} };
  const admin = inject('postgresUrl');
  const name = `fp_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const url = await createDatabase(admin, name);
  return { env: { FACEPROOF_DATABASE_URL: url }, drop: () => dropDatabase(admin, name) };
}

export async function startServer(env: Record<string, string> = {}): Promise<Harness> {
  const dir = mkdtempSync(path.join(tmpdir(), 'faceproof-test-'));
  const db = await testDatabase();
  const config = loadConfig({
    ...db.env,
    FACEPROOF_DATA_DIR: dir,
    ENGINE_WORKERS: '2',
    LOG_LEVEL: 'silent',
    PORT: '0',
    WEBHOOK_POLL_MS: '50',
    WEBHOOK_BASE_DELAY_MS: '100',
    // The receivers of these tests listen on loopback, which the default outbound policy refuses.
    WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
    ...env,
  });
  const server = await buildServer(config, { logger: false });
  expect(server.ctx.store.dialect, 'the store this run is meant to test').toBe(STORE);
  await server.app.listen({ host: '127.0.0.1', port: 0 });
  const address = server.app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const base = `http://127.0.0.1:${port}`;
  server.ctx.config.publicUrl = base;
  await server.warm;
  const demo = await singleImageDemo(server, config);
  return {
    server,
    base,
    dir,
    demo,
    call: client(base),
    async close() {
      await server.close();
      await db.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The demo data, its flows switched to passive liveness: the suites written for one image per
 * attempt run on them, while the demo itself (like every new flow) is active; the active path is
 * tested on flows of its own (liveness.test.ts).
 */
async function singleImageDemo(server: Server, config: Parameters<typeof ensureDemo>[2]): Promise<Demo> {
  const demo = await ensureDemo(server.ctx.store, server.ctx.keys, config);
  for (const id of [demo.loginFlow, demo.onboardingFlow]) {
    const flow = await server.ctx.store.getFlow(demo.client, id);
    if (flow) await server.ctx.store.updateFlow({ ...flow, livenessMode: 'passive' });
  }
  return demo;
}

export interface Injected {
  status: number;
  body: any;
  headers: Headers;
}

export interface InjectHarness {
  server: Server;
  demo: Demo;
  /** One request through the fully composed app, no socket; the response is checked against the spec. */
  inject(
    method: string,
    p: string,
    opts?: { token?: string; body?: unknown; raw?: string; headers?: Record<string, string> },
  ): Promise<Injected>;
  close(): Promise<void>;
}

/**
 * The whole server (store on a temporary SQLite file, or a fresh PostgreSQL database on the
 * postgres run; keys; engine; outboxes) built but not listening, for `app.inject` tests of the
 * HTTP layer. The engine warms up in the background; nothing here waits for it.
 */
export async function buildInjectApp(env: Record<string, string> = {}): Promise<InjectHarness> {
  const dir = mkdtempSync(path.join(tmpdir(), 'faceproof-inject-'));
  const db = await testDatabase();
  const config = loadConfig({
    ...db.env,
    FACEPROOF_DATA_DIR: dir,
    ENGINE_WORKERS: '1',
    LOG_LEVEL: 'silent',
    // The receivers of these tests listen on loopback, which the default outbound policy refuses.
    WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
    ...env,
  });
  const server = await buildServer(config, { logger: false });
  expect(server.ctx.store.dialect, 'the store this run is meant to test').toBe(STORE);
  await server.app.ready();
  const demo = await singleImageDemo(server, config);
  return {
    server,
    demo,
    async inject(method, p, opts = {}) {
      const headers: Record<string, string> = { ...(opts.headers ?? {}) };
      if (opts.token) headers.authorization = `Bearer ${opts.token}`;
      let payload = opts.raw;
      if (opts.body !== undefined) {
        payload = JSON.stringify(opts.body);
        headers['content-type'] ??= 'application/json';
      }
      const res = await server.app.inject({ method: method as 'GET', url: p, headers, payload });
      const h = new Headers();
      for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) h.set(k, String(v));
      const body = res.body ? JSON.parse(res.body) : undefined;
      assertMatchesSpec(
        method,
        `${config.publicUrl}${p}`,
        { status: res.statusCode, headers: h } as Response,
        res.body,
      );
      return { status: res.statusCode, body, headers: h };
    },
    async close() {
      await server.close();
      await db.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Polls `read` until `done` accepts what it returns, and returns that value. At the deadline it
 * fails with the last value seen: how a test waits for an eventual state (an outbox row sent, a
 * mail received) instead of sleeping or reading once.
 */
export async function eventually<T>(
  what: string,
  read: () => T | Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`${what}: not reached within ${timeoutMs} ms, last seen ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A name no other test uses, for a test's own identifiers and email addresses. */
export const unique = (prefix: string) => `${prefix}-${crypto.randomUUID().slice(0, 8)}`;

/** A test's own collection in the demo project, with active onboarding and login flows into it. */
export interface OwnFlows {
  collection: string;
  onboardingFlow: string;
  loginFlow: string;
}

/** What the fixtures below need of a server: its client and the demo project's token and id. */
type On = Pick<Harness, 'call'> & { demo: Pick<Demo, 'clientAccessToken' | 'project'> };

export async function ownFlows(h: On, livenessMode: 'active' | 'passive' = 'passive'): Promise<OwnFlows> {
  const { clientAccessToken: token, project } = h.demo;
  const created = async (p: string, body: Record<string, unknown>) => {
    const res = await h.call('POST', p, { token, body: { project, ...body } });
    expect(res.status, `POST ${p}: ${JSON.stringify(res.body)}`).toBe(200);
    return res.body.data._id as string;
  };
  const collection = await created('/v2/collections', { name: unique('collection') });
  const flow = (type: 'onboarding' | 'login') =>
    created('/v2/project-flows', {
      type,
      status: 'active',
      name: unique(type),
      assignedCollection: collection,
      livenessMode,
    });
  return { collection, onboardingFlow: await flow('onboarding'), loginFlow: await flow('login') };
}

/** Enrols `identifier` into `flows`' collection from `image` (an onboarding validation); the person id. */
export async function enrol(h: On, flows: OwnFlows, identifier: string, image: string): Promise<string> {
  const { clientAccessToken: token, project } = h.demo;
  const created = await h.call('POST', '/v2/biometric-validations', {
    token,
    body: { project, projectFlow: flows.onboardingFlow, identifier, type: 'onboarding' },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(200);
  const validated = await h.call('POST', '/v2/biometric-validations/validate', {
    token: created.body.data.token,
    body: { image },
  });
  expect(validated.status, JSON.stringify(validated.body)).toBe(200);
  expect(validated.body.data.status).toBe('completed');
  return validated.body.data.person;
}
