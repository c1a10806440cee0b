/**
 * Versioned templates through the upgrade of issue 17, on both stores: a database as the server wrote it
 * before migration 012 (one faceres template per person, no search model) keeps matching after it; new
 * enrolments then store the engine's model and faceres, while the collection still searches faceres, and
 * a successful login replaces the person's templates with one of each; once the collection's search model
 * is switched, it searches the engine's model only.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { fileURLToPath } from 'node:url';
import { createEngine, TEMPLATE_MODELS } from '@faceproof/face-engine';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { templateBytes } from '../src/flows/analysis.js';
import { dataUri, fx, type Harness, STORE, startServer, testDatabase } from './helpers.js';

const FACERES = TEMPLATE_MODELS.faceres.id;
/** Three server starts and three CLI runs on a shared 2-core machine: a bound on a hang, not a speed target. */
const UPGRADE_TIMEOUT = 300_000;
const DLIB = TEMPLATE_MODELS.dlib.id;

let db: Awaited<ReturnType<typeof testDatabase>>;
let dir: string;
let env: Record<string, string>;
let h: Harness | undefined;

beforeAll(async () => {
  db = await testDatabase();
  dir = mkdtempSync(path.join(tmpdir(), 'faceproof-upgrade-'));
  env = { ...db.env, FACEPROOF_DATA_DIR: dir };
});
afterAll(async () => {
  await h?.close();
  await db.drop();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs statements on the test's database directly, as an older server (or an operator) would. */
async function sql(statements: [string, ...unknown[]][]) {
  if (STORE === 'postgres') {
    const c = new pg.Client({ connectionString: env.FACEPROOF_DATABASE_URL });
    await c.connect();
    try {
      for (const [q, ...args] of statements) {
        let n = 0;
        await c.query(
          q.replace(/\?/g, () => `$${++n}`),
          args,
        );
      }
    } finally {
      await c.end();
    }
    return;
  }
  const d = new DatabaseSync(path.join(dir, 'faceproof.db'));
  try {
    for (const [q, ...args] of statements) d.prepare(q).run(...(args as (string | Uint8Array)[]));
  } finally {
    d.close();
  }
}

/** The operator CLI (compiled, as operators run it) on the test's database: its exit code and JSON. */
function cli(...args: string[]): Promise<{ code: number; out: any }> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [fileURLToPath(new URL('../bin/faceproof.js', import.meta.url)), ...args, '--json'],
      { env: { ...process.env, ...env, LOG_LEVEL: 'silent' }, timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err ? Number((err as { code?: number }).code ?? 1) : 0;
        try {
          resolve({ code, out: JSON.parse(stdout) });
        } catch {
          reject(new Error(`faceproof ${args.join(' ')} exited ${code}: ${stderr || stdout}`));
        }
      },
    );
  });
}

async function restart() {
  await h?.close();
  h = await startServer(env);
  return h;
}

async function validate(s: Harness, type: 'login' | 'onboarding', identifier: string, file: string) {
  const created = await s.call('POST', '/v2/biometric-validations', {
    token: s.demo.clientAccessToken,
    body: {
      project: s.demo.project,
      projectFlow: type === 'login' ? s.demo.loginFlow : s.demo.onboardingFlow,
      identifier,
      type,
    },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(200);
  return s.call('POST', '/v2/biometric-validations/validate', {
    token: created.body.data.token,
    body: { image: dataUri(file) },
  });
}

it(
  'keeps matching a database written with faceres, stores both models meanwhile, then switches',
  async () => {
    // 1. Today's server: a person enrolled with a faceres template, and a schema before migration 012.
    let s = await restart();
    const enrolled = await validate(s, 'onboarding', 'alice', fx.personA[0]);
    expect(enrolled.status, JSON.stringify(enrolled.body)).toBe(200);
    const alice = enrolled.body.data.person as string;
    await s.close();
    // Its template as today's engine (faceres) made it.
    const before = await createEngine({ workers: 1, templateModel: 'faceres', templateModels: [] });
    const analysis = await before.analyze(dataUri(fx.personA[0])).finally(() => before.close());
    if (!analysis.ok) throw new Error(analysis.message);
    expect(Object.keys(analysis.templates)).toEqual([FACERES]);
    h = undefined;
    await sql([
      ['DELETE FROM templates WHERE person_id = ?', alice],
      [
        'INSERT INTO templates (id, person_id, collection_id, model, template, created_at) VALUES (?, ?, ?, ?, ?, ?)',
        'tpl-before-upgrade',
        alice,
        s.demo.collection,
        FACERES,
        templateBytes(analysis.template),
        new Date().toISOString(),
      ],
      ['DELETE FROM schema_migrations WHERE version = 12'],
      ['ALTER TABLE collections DROP COLUMN search_model'],
    ]);

    // 2. The upgrade: migration 012 makes the collection search faceres, and alice is found with it.
    s = await restart();
    const faces = s.server.ctx.faces;
    expect(faces.searchModel(s.demo.collection)).toBe(FACERES);
    expect(faces.storedModels()).toEqual([DLIB, FACERES]);
    // Not ready to switch: alice has no dlib template yet.
    const early = await cli('templates', 'switch', '--collection', s.demo.collection);
    expect(early).toMatchObject({ code: 1, out: { switched: false, persons: 1, withTemplate: 0 } });
    const login = await validate(s, 'login', 'alice', fx.personA[1]);
    expect(login.status, JSON.stringify(login.body)).toBe(200);
    expect(login.body.data.person).toBe(alice);
    // The login refreshed alice's templates: one per stored model, the pre-upgrade one replaced.
    const refreshed = await s.server.ctx.store.personTemplates(alice);
    expect(refreshed.map((t) => t.model).sort()).toEqual([DLIB, FACERES].sort());
    expect(refreshed.map((t) => t.id)).not.toContain('tpl-before-upgrade');
    const other = await validate(s, 'login', 'alice', fx.personB);
    expect(other.body.code).toBe('IDENTITY_VERIFICATION_FAILED');
    expect((await s.server.ctx.store.personTemplates(alice)).map((t) => t.id).sort()).toEqual(
      refreshed.map((t) => t.id).sort(),
    );

    // A new enrolment stores a template of each model; the collection still searches faceres.
    const bob = await validate(s, 'onboarding', 'bob', fx.personC[0]);
    expect(bob.status, JSON.stringify(bob.body)).toBe(200);
    const bobId = bob.body.data.person as string;
    const bobTemplates = await s.server.ctx.store.personTemplates(bobId);
    expect(bobTemplates.map((t) => t.model).sort()).toEqual([DLIB, FACERES].sort());
    const report = await cli('templates', 'report');
    expect(report.code).toBe(0);
    expect(report.out.engineModel).toBe(DLIB);
    expect(
      report.out.collections.find((c: { collectionId: string }) => c.collectionId === s.demo.collection),
    ).toEqual({
      collectionId: s.demo.collection,
      searchModel: FACERES,
      persons: 2,
      models: { [FACERES]: 2, [DLIB]: 2 },
      readyFor: { [FACERES]: true, [DLIB]: true },
    });

    // 3. Switched to the engine's model: bob is found with dlib; the index holds no faceres template.
    const switched = await cli('templates', 'switch', '--collection', s.demo.collection);
    expect(switched).toMatchObject({
      code: 0,
      out: { switched: true, model: DLIB, persons: 2, withTemplate: 2 },
    });
    s = await restart();
    expect(s.server.ctx.faces.searchModel(s.demo.collection)).toBe(DLIB);
    expect(s.server.ctx.faces.storedModels()).toEqual([DLIB]);
    const bobLogin = await validate(s, 'login', 'bob', fx.personC[1]);
    expect(bobLogin.status, JSON.stringify(bobLogin.body)).toBe(200);
    expect(bobLogin.body.data.person).toBe(bobId);
    // Alice, enrolled before the upgrade, is found with the template her login made.
    const aliceLogin = await validate(s, 'login', 'alice', fx.personA[0]);
    expect(aliceLogin.status, JSON.stringify(aliceLogin.body)).toBe(200);
    // Only the engine's model is stored now.
    expect((await s.server.ctx.store.personTemplates(alice)).map((t) => t.model)).toContain(DLIB);
    expect((await s.server.ctx.store.personTemplates(bobId)).filter((t) => t.model === DLIB)).toHaveLength(1);
    expect(await s.server.ctx.store.setCollectionSearchModel('no-such-collection', DLIB)).toBe(false);
  },
  UPGRADE_TIMEOUT,
);

it(
  'keeps the template of an enrolment held for a 2FA code before migration 013',
  async () => {
    // A held enrolment as the server wrote it before migration 013: its one template in held_enrolments.
    let s = await restart();
    const created = await s.call('POST', '/v2/biometric-validations', {
      token: s.demo.clientAccessToken,
      body: {
        project: s.demo.project,
        projectFlow: s.demo.onboardingFlow,
        identifier: 'held-before-013',
        type: 'onboarding',
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    const validationId = created.body.data._id as string;
    const template = templateBytes(new Float32Array(TEMPLATE_MODELS.faceres.dim).fill(0.03125));
    await s.close();
    h = undefined;
    const blob = STORE === 'postgres' ? 'BYTEA' : 'BLOB';
    await sql([
      ['DROP TABLE held_templates'],
      ['ALTER TABLE held_enrolments ADD COLUMN template_id TEXT'],
      ['ALTER TABLE held_enrolments ADD COLUMN model TEXT'],
      [`ALTER TABLE held_enrolments ADD COLUMN template ${blob}`],
      [
        `INSERT INTO held_enrolments (validation_id, person_id, client_id, project_id, collection_id, identifier,
           template_id, model, template, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        validationId,
        'person-held-before-013',
        s.demo.client,
        s.demo.project,
        s.demo.collection,
        'held-before-013',
        'tpl-held-before-013',
        FACERES,
        template,
        new Date().toISOString(),
      ],
      ['DELETE FROM schema_migrations WHERE version = 13'],
    ]);

    // The upgrade moves it to held_templates: the enrolment the code will make still has its template.
    s = await restart();
    const held = await s.server.ctx.store.getHeldEnrolment(validationId);
    expect(held?.person).toMatchObject({ id: 'person-held-before-013', identifier: 'held-before-013' });
    expect(
      held?.templates.map((t) => ({ id: t.id, model: t.model, template: new Uint8Array(t.template) })),
    ).toEqual([{ id: 'tpl-held-before-013', model: FACERES, template }]);
  },
  UPGRADE_TIMEOUT,
);
