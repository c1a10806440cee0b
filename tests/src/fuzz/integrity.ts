import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { Demo } from '@faceproof/server';
import pg from 'pg';
import { contract } from '../spec.js';
import { api, type Session } from './client.js';
import type { Recorder } from './report.js';
import type { Storage } from './target.js';

/** What the database says about itself, and the validation ids it holds (for the API's view). */
interface DatabaseView {
  problems: string[];
  rowCounts: Record<string, number>;
  validationIds: string[];
}

function sqliteView(storage: Storage): DatabaseView {
  const db = new DatabaseSync(join(storage.dataDir, 'faceproof.db'), { readOnly: true });
  try {
    const integrity = db
      .prepare('PRAGMA integrity_check')
      .all()
      .map((r) => String(Object.values(r)[0]));
    const foreignKeys = db.prepare('PRAGMA foreign_key_check').all();
    const tables = db
      .prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
      )
      .all()
      .map((r) => String(r.name));
    const rowCounts = Object.fromEntries(
      tables.map((t) => [
        t,
        Number((db.prepare(`SELECT count(*) AS n FROM "${t}"`).get() as { n: number }).n),
      ]),
    );
    const problems = [
      ...integrity.filter((line) => line !== 'ok').map((line) => `integrity_check: ${line}`),
      ...foreignKeys.map((r) => `foreign_key_check: ${JSON.stringify(r)}`),
    ];
    const validationIds = db
      .prepare('SELECT id FROM biometric_validations')
      .all()
      .map((r) => String(r.id));
    return { problems, rowCounts, validationIds };
  } finally {
    db.close();
  }
}

const FOREIGN_KEYS = `
  SELECT c.conrelid::regclass::text AS child, c.confrelid::regclass::text AS parent,
         array_agg(ca.attname::text ORDER BY k.n) AS child_cols, array_agg(pa.attname::text ORDER BY k.n) AS parent_cols
  FROM pg_constraint c
  CROSS JOIN LATERAL unnest(c.conkey, c.confkey) WITH ORDINALITY AS k(child_att, parent_att, n)
  JOIN pg_attribute ca ON ca.attrelid = c.conrelid AND ca.attnum = k.child_att
  JOIN pg_attribute pa ON pa.attrelid = c.confrelid AND pa.attnum = k.parent_att
  WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace
  GROUP BY c.oid, c.conrelid, c.confrelid`;

const UNIQUE_INDEXES = `
  SELECT i.indrelid::regclass::text AS tbl, array_agg(a.attname::text ORDER BY k.n) AS cols
  FROM pg_index i
  CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(att, n)
  JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.att
  JOIN pg_class t ON t.oid = i.indrelid
  WHERE i.indisunique AND t.relnamespace = 'public'::regnamespace AND i.indpred IS NULL
  GROUP BY i.indexrelid, i.indrelid`;

const quoted = (cols: string[]) => cols.map((c) => `"${c}"`);

/** Rows whose foreign key names no parent row: none, unless a constraint was bypassed or broken. */
async function orphans(db: pg.Client): Promise<string[]> {
  const problems: string[] = [];
  for (const fk of (await db.query(FOREIGN_KEYS)).rows) {
    const on = fk.child_cols
      .map((c: string, i: number) => `p."${fk.parent_cols[i]}" = c."${c}"`)
      .join(' AND ');
    const notNull = quoted(fk.child_cols)
      .map((c) => `c.${c} IS NOT NULL`)
      .join(' AND ');
    const sql = `SELECT count(*)::int AS n FROM ${fk.child} c WHERE ${notNull} AND NOT EXISTS (SELECT 1 FROM ${fk.parent} p WHERE ${on})`;
    const n = (await db.query(sql)).rows[0].n;
    if (n > 0) problems.push(`${n} rows of ${fk.child}(${fk.child_cols}) name no ${fk.parent}`);
  }
  return problems;
}

/** Values a unique index should make impossible twice: none, unless the index is corrupt. */
async function duplicates(db: pg.Client): Promise<string[]> {
  const problems: string[] = [];
  for (const u of (await db.query(UNIQUE_INDEXES)).rows) {
    const cols = quoted(u.cols).join(', ');
    // A sequential scan, so the index under test is not the one answering.
    await db.query('SET enable_indexscan = off; SET enable_bitmapscan = off; SET enable_indexonlyscan = off');
    const sql = `SELECT count(*)::int AS n FROM (SELECT 1 FROM ${u.tbl} GROUP BY ${cols} HAVING count(*) > 1) d`;
    const n = (await db.query(sql)).rows[0].n;
    if (n > 0) problems.push(`${n} duplicated values of ${u.tbl}(${u.cols})`);
  }
  await db.query('RESET ALL');
  return problems;
}

/** amcheck's B-tree check of every index, where the server's contrib modules are installed. */
async function btreeChecks(db: pg.Client): Promise<string[]> {
  const available = await db.query("SELECT 1 FROM pg_available_extensions WHERE name = 'amcheck'");
  if (available.rowCount === 0) return [];
  await db.query('CREATE EXTENSION IF NOT EXISTS amcheck');
  const indexes = await db.query(
    "SELECT c.oid::regclass::text AS name FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam WHERE am.amname = 'btree' AND c.relnamespace = 'public'::regnamespace",
  );
  const problems: string[] = [];
  for (const { name } of indexes.rows)
    await db
      .query('SELECT bt_index_check($1::regclass, true)', [name])
      .catch((e: Error) => problems.push(`${name}: ${e.message}`));
  return problems;
}

async function postgresView(storage: Storage): Promise<DatabaseView> {
  const db = new pg.Client({ connectionString: storage.databaseUrl });
  await db.connect();
  try {
    const problems = [...(await orphans(db)), ...(await duplicates(db)), ...(await btreeChecks(db))];
    const tables = await db.query(
      "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
    );
    const rowCounts: Record<string, number> = {};
    for (const { tablename } of tables.rows)
      rowCounts[tablename] = (await db.query(`SELECT count(*)::int AS n FROM "${tablename}"`)).rows[0].n;
    const validationIds = (await db.query('SELECT id FROM biometric_validations')).rows.map((r) =>
      String(r.id),
    );
    return { problems, rowCounts, validationIds };
  } finally {
    await db.end();
  }
}

const VALIDATION_STATUSES: string[] = contract.resolve<any>(
  contract.resolve<any>(contract.spec.components.schemas.BiometricValidation).properties.status,
).enum;

/** Every stored validation read through the API: a 200 with one of the statuses the spec lists. */
async function unreadable(s: Session, demo: Demo, ids: string[]): Promise<string[]> {
  const bad: string[] = [];
  const queue = [...ids];
  const reader = async () => {
    for (let id = queue.pop(); id !== undefined; id = queue.pop()) {
      const res = await api(s, 'integrity', 'getBiometricValidation', {
        token: demo.clientAccessToken,
        params: { id },
      });
      const status = res.json?.data?.biometricValidation?.status;
      if (res.status !== 200 || !VALIDATION_STATUSES.includes(status))
        bad.push(`${id}: ${res.status} ${status}`);
    }
  };
  await Promise.all(Array.from({ length: 8 }, reader));
  return bad;
}

/** The end-of-campaign checks: the database's own, then the API's view of what it stored. */
export async function checkIntegrity(recorder: Recorder, storage: Storage, s: Session, demo: Demo) {
  const view = storage.kind === 'sqlite' ? sqliteView(storage) : await postgresView(storage);
  const what =
    storage.kind === 'sqlite' ? 'PRAGMA integrity_check, foreign_key_check' : 'orphans, duplicates, amcheck';
  recorder.check(
    `database (${what})`,
    view.problems.length === 0,
    view.problems.slice(0, 10).join('; ') || 'clean',
  );
  const counts = Object.entries(view.rowCounts)
    .filter(([, n]) => n > 0)
    .map(([t, n]) => `${t} ${n}`)
    .join(', ');
  recorder.check('row counts', true, counts);
  const bad = await unreadable(s, demo, view.validationIds);
  recorder.check(
    'every stored validation readable through the API',
    bad.length === 0,
    `${view.validationIds.length - bad.length} of ${view.validationIds.length}${bad.length ? `; ${bad.slice(0, 5).join(', ')}` : ''}`,
  );
}
