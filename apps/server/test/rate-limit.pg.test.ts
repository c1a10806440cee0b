/**
 * Two server instances on one PostgreSQL database share their rate-limit counters: the documented
 * limit holds across both, not once per instance. PostgreSQL run only (see vitest.config.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildServer, type Server } from '../src/boot.js';
import { loadConfig } from '../src/config.js';
import { type Demo, ensureDemo } from '../src/demo.js';
import { testDatabase } from './helpers.js';

const LIMIT = 4;
let db: Awaited<ReturnType<typeof testDatabase>>;
let dir: string;
let a: Server;
let b: Server;
let demo: Demo;

beforeAll(async () => {
  db = await testDatabase();
  dir = mkdtempSync(path.join(tmpdir(), 'faceproof-ratelimit-'));
  const config = () =>
    loadConfig({
      ...db.env,
      FACEPROOF_DATA_DIR: dir,
      ENGINE_WORKERS: '1',
      LOG_LEVEL: 'silent',
      RATE_LIMIT_MAX: String(LIMIT),
      RATE_LIMIT_WINDOW_MS: '600000',
    });
  a = await buildServer(config(), { logger: false });
  b = await buildServer(config(), { logger: false });
  await Promise.all([a.app.ready(), b.app.ready()]);
  demo = await ensureDemo(a.ctx.store, a.ctx.keys, a.ctx.config);
});

afterAll(async () => {
  await Promise.all([a?.close(), b?.close()]);
  await db?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const listProjects = (server: Server) =>
  server.app.inject({
    method: 'GET',
    url: '/v2/projects',
    headers: { authorization: `Bearer ${demo.clientAccessToken}` },
  });

it('counts one token against one limit across two instances', async () => {
  const seen: { status: number; remaining: string | undefined }[] = [];
  // Alternating instances: each alone would allow LIMIT requests, together they allow LIMIT.
  for (let i = 0; i < LIMIT + 2; i++) {
    const res = await listProjects(i % 2 ? b : a);
    seen.push({
      status: res.statusCode,
      remaining: res.headers['ratelimit-remaining'] as string | undefined,
    });
  }
  expect(seen.map((s) => s.status)).toEqual([200, 200, 200, 200, 429, 429]);
  expect(seen.slice(0, LIMIT).map((s) => s.remaining)).toEqual(['3', '2', '1', '0']);
  const refused = await listProjects(b);
  expect(refused.json()).toMatchObject({ success: false, code: 'RATE_LIMITED' });
  expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
});

it('counts concurrent requests on both instances exactly once each', async () => {
  const token = `Bearer ${demo.clientAccessToken}`;
  // A key of its own: the other test's token is used up. Each request is counted atomically.
  const key = { authorization: `${token.slice(0, -43)}${'x'.repeat(43)}` };
  const results = await Promise.all(
    Array.from({ length: 10 }, (_, i) =>
      (i % 2 ? b : a).app.inject({ method: 'GET', url: '/v2/projects', headers: key }),
    ),
  );
  const limited = results.filter((r) => r.statusCode === 429).length;
  expect(limited).toBe(10 - LIMIT);
});
