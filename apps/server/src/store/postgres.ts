import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { objectId } from '../ids.js';
import {
  CLAIM_MAIL,
  COUNT_CODE_ATTEMPT,
  INSERT_MAIL,
  insertMailArgs,
  PUT_CODE,
  RECORD_MAIL,
  toMail,
  toTwoFactorCode,
} from './mail-rows.js';
import {
  migrationFiles,
  n,
  opt,
  optStr,
  type Row,
  str,
  toAppRegistration,
  toCollection,
  toFlow,
  toOutbox,
  toPerson,
  toProject,
  toTemplate,
  toValidation,
} from './rows.js';
import type {
  AppRegistration,
  BiometricValidation,
  Client,
  ClientToken,
  Collection,
  Enrolment,
  IndexWatcher,
  Mail,
  MailStatus,
  NewMail,
  NewOutboxEvent,
  OutboxEvent,
  Page,
  PageQuery,
  Person,
  PersonCounts,
  Project,
  ProjectFlow,
  SigningKey,
  Store,
  StoredTemplate,
  TemplateRef,
  TwoFactorCode,
  ValidationStatus,
} from './types.js';

/** The channel on which every instance announces enrolments and deletions (payload: {o, c, p}). */
export const INDEX_CHANNEL = 'faceproof_index';
/** application_name of the LISTEN connections, to tell them apart in pg_stat_activity. */
export const LISTEN_APPLICATION = 'faceproof-listen';
// Advisory lock keys ("Face" and "Keys" in ASCII): one migrator at a time, one key rotation at a time.
const MIGRATION_LOCK = 0x46616365;
const ROTATION_LOCK = 0x4b657973;

type Db = pg.Pool | pg.PoolClient;
type Arg = string | number | boolean | null | Buffer | string[];

/** The SQL is written with `?` like the SQLite store's; PostgreSQL numbers its parameters. */
const numbered = new Map<string, { text: string; name: string }>();
function prepared(sql: string) {
  let q = numbered.get(sql);
  if (!q) {
    let i = 0;
    q = { text: sql.replace(/\?/g, () => `$${++i}`), name: `fp${numbered.size}` };
    numbered.set(sql, q);
  }
  return q;
}

// The shared claim query, made to skip rows another instance is claiming at this moment.
const CLAIM_MAIL_PG = CLAIM_MAIL.replace(/LIMIT \?\)/, 'LIMIT ? FOR UPDATE SKIP LOCKED)');
if (CLAIM_MAIL_PG === CLAIM_MAIL) throw new Error('CLAIM_MAIL no longer ends its subquery with LIMIT ?)');

const bytes = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength);

/**
 * PostgreSQL store on node-postgres, for several server instances on one database. Same schema
 * meaning and behaviour as the SQLite store; what several instances need on top:
 * - a validation attempt is claimed by `UPDATE … WHERE version = ?`, which in READ COMMITTED waits
 *   for a concurrent claim to commit and then finds the version changed, so exactly one wins;
 * - outbox events are claimed with `FOR UPDATE SKIP LOCKED` and a lease (`claimed_until`);
 * - enrolments and deletions send a NOTIFY in their transaction (delivered at commit), which the
 *   other instances' in-memory indexes follow;
 * - migrations and key rotations take advisory locks, so instances starting together do not race.
 */
export class PgStore implements Store {
  readonly dialect = 'postgres';
  readonly pool: pg.Pool;
  /** Marks this store's own notices, which its own process has applied already. */
  readonly origin = randomUUID();

  constructor(
    readonly url: string,
    opts: { max?: number } = {},
  ) {
    this.pool = new pg.Pool({
      connectionString: url,
      max: opts.max ?? 10,
      idleTimeoutMillis: 30_000,
      // A database that does not answer becomes an error (and a 5xx, and /readyz 503), never a hang.
      connectionTimeoutMillis: 10_000,
      statement_timeout: 30_000,
      keepAlive: true,
    });
    // An idle connection that dies (database restart, network) is dropped by the pool and replaced on
    // the next query; without a listener the 'error' event would end the process.
    this.pool.on('error', () => {});
  }

  private async all(db: Db, sql: string, ...args: Arg[]): Promise<Row[]> {
    return (await db.query({ ...prepared(sql), values: args })).rows;
  }

  private async get(db: Db, sql: string, ...args: Arg[]): Promise<Row | undefined> {
    return (await this.all(db, sql, ...args))[0];
  }

  private async run(db: Db, sql: string, ...args: Arg[]): Promise<number> {
    return (await db.query({ ...prepared(sql), values: args })).rowCount ?? 0;
  }

  private async tx<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const c = await this.pool.connect();
    try {
      await c.query('BEGIN');
      const out = await fn(c);
      await c.query('COMMIT');
      c.release();
      return out;
    } catch (err) {
      try {
        await c.query('ROLLBACK');
        c.release();
      } catch (rollbackErr) {
        c.release(rollbackErr as Error);
      }
      throw err;
    }
  }

  async migrate(): Promise<number> {
    const c = await this.pool.connect();
    let count = 0;
    try {
      // Waiting for another instance's migrations, or running a long one, may outlast statement_timeout.
      await c.query('SET statement_timeout = 0');
      await c.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
      await c.query(
        'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)',
      );
      const applied = new Set(
        (await c.query('SELECT version FROM schema_migrations')).rows.map((r) => Number(r.version)),
      );
      for (const { version, file } of migrationFiles('postgres')) {
        if (applied.has(version)) continue;
        await c.query('BEGIN');
        try {
          await c.query(readFileSync(file, 'utf8'));
          await c.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)', [
            version,
            new Date().toISOString(),
          ]);
          await c.query('COMMIT');
        } catch (err) {
          await c.query('ROLLBACK');
          throw err;
        }
        count++;
      }
    } finally {
      await c.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => {});
      await c.query('RESET statement_timeout').catch(() => {});
      c.release();
    }
    return count;
  }

  async ping() {
    await this.get(this.pool, 'SELECT 1 AS ok');
  }

  async close() {
    await this.pool.end();
  }

  async getSetting(name: string) {
    return optStr((await this.get(this.pool, 'SELECT value FROM settings WHERE name = ?', name))?.value);
  }

  async setSetting(name: string, value: string) {
    await this.run(
      this.pool,
      'INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value',
      name,
      value,
    );
  }

  async createClient(c: Client) {
    await this.run(
      this.pool,
      'INSERT INTO clients (id, name, created_at) VALUES (?, ?, ?)',
      c.id,
      c.name,
      c.createdAt,
    );
  }

  async getClient(id: string) {
    const r = await this.get(this.pool, 'SELECT * FROM clients WHERE id = ?', id);
    return r ? { id: str(r.id), name: str(r.name), createdAt: str(r.created_at) } : undefined;
  }

  async createClientToken(t: ClientToken) {
    await this.run(
      this.pool,
      'INSERT INTO client_tokens (jti, client_id, created_at, expires_at) VALUES (?, ?, ?, ?)',
      t.jti,
      t.clientId,
      t.createdAt,
      t.expiresAt,
    );
  }

  async getClientToken(jti: string) {
    const r = await this.get(this.pool, 'SELECT * FROM client_tokens WHERE jti = ?', jti);
    return r
      ? {
          jti: str(r.jti),
          clientId: str(r.client_id),
          createdAt: str(r.created_at),
          expiresAt: str(r.expires_at),
          revokedAt: optStr(r.revoked_at),
        }
      : undefined;
  }

  async revokeClientToken(jti: string, at: string) {
    return (
      (await this.run(
        this.pool,
        'UPDATE client_tokens SET revoked_at = ? WHERE jti = ? AND revoked_at IS NULL',
        at,
        jti,
      )) > 0
    );
  }

  async listSigningKeys(): Promise<SigningKey[]> {
    return (await this.all(this.pool, 'SELECT * FROM signing_keys ORDER BY created_at DESC, kid DESC')).map(
      (r) => ({
        kid: str(r.kid),
        privateJwk: str(r.private_jwk),
        publicJwk: str(r.public_jwk),
        createdAt: str(r.created_at),
        retiredAt: optStr(r.retired_at),
      }),
    );
  }

  async rotateSigningKey(k: SigningKey) {
    await this.tx(async (c) => {
      // Two instances creating the first key at once would otherwise leave two active keys.
      await c.query('SELECT pg_advisory_xact_lock($1)', [ROTATION_LOCK]);
      await this.run(c, 'UPDATE signing_keys SET retired_at = ? WHERE retired_at IS NULL', k.createdAt);
      await this.run(
        c,
        'INSERT INTO signing_keys (kid, private_jwk, public_jwk, created_at) VALUES (?, ?, ?, ?)',
        k.kid,
        k.privateJwk,
        k.publicJwk,
        k.createdAt,
      );
    });
  }

  private async page<T>(
    table: string,
    where: string[],
    args: Arg[],
    q: PageQuery,
    map: (r: Row) => T,
    select = '*',
  ): Promise<Page<T>> {
    const w = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const total = Number(
      (await this.get(this.pool, `SELECT COUNT(*) AS n FROM ${table} ${w}`, ...args))?.n ?? 0,
    );
    const rows = await this.all(
      this.pool,
      `SELECT ${select} FROM ${table} ${w} ORDER BY id DESC LIMIT ? OFFSET ?`,
      ...args,
      q.limit,
      (q.page - 1) * q.limit,
    );
    return { items: rows.map(map), total };
  }

  async createProject(p: Project) {
    await this.run(
      this.pool,
      'INSERT INTO projects (id, client_id, name, webhook_secret, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)',
      p.id,
      p.clientId,
      p.name,
      p.webhookSecret,
      p.createdAt,
      p.updatedAt,
    );
  }

  async getProject(clientId: string, id: string) {
    const r = await this.get(
      this.pool,
      'SELECT * FROM projects WHERE id = ? AND client_id = ?',
      id,
      clientId,
    );
    return r ? toProject(r) : undefined;
  }

  async getProjectSecret(projectId: string) {
    return optStr(
      (await this.get(this.pool, 'SELECT webhook_secret FROM projects WHERE id = ?', projectId))
        ?.webhook_secret,
    );
  }

  async listProjects(clientId: string, q: PageQuery) {
    return this.page('projects', ['client_id = ?'], [clientId], q, toProject);
  }

  async updateProject(p: Project) {
    await this.run(
      this.pool,
      'UPDATE projects SET name = ?, updated_at = ? WHERE id = ?',
      p.name,
      p.updatedAt,
      p.id,
    );
  }

  private flowArgs(f: ProjectFlow): Arg[] {
    return [
      f.type,
      f.status,
      f.name,
      f.livenessMinScore,
      f.searchMode,
      f.searchMinScore,
      f.maxAttempts,
      f.retainFaceImages ? 1 : 0,
      n(f.redirectUrl),
      n(f.webhookUrl),
      n(f.collectionId),
      f.updatedAt,
    ];
  }

  async createFlow(f: ProjectFlow) {
    await this.run(
      this.pool,
      `INSERT INTO project_flows (type, status, name, liveness_min_score, search_mode, search_min_score, max_attempts,
        retain_face_images, redirect_url, webhook_url, collection_id, updated_at, id, client_id, project_id, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ...this.flowArgs(f),
      f.id,
      f.clientId,
      f.projectId,
      f.createdAt,
    );
  }

  async getFlow(clientId: string, id: string) {
    const r = await this.get(
      this.pool,
      'SELECT * FROM project_flows WHERE id = ? AND client_id = ?',
      id,
      clientId,
    );
    return r ? toFlow(r) : undefined;
  }

  async listFlows(clientId: string, q: PageQuery & { projectId?: string }) {
    const where = ['client_id = ?'];
    const args: Arg[] = [clientId];
    if (q.projectId) where.push('project_id = ?') && args.push(q.projectId);
    return this.page('project_flows', where, args, q, toFlow);
  }

  async updateFlow(f: ProjectFlow) {
    await this.run(
      this.pool,
      `UPDATE project_flows SET type = ?, status = ?, name = ?, liveness_min_score = ?, search_mode = ?,
        search_min_score = ?, max_attempts = ?, retain_face_images = ?, redirect_url = ?, webhook_url = ?,
        collection_id = ?, updated_at = ? WHERE id = ?`,
      ...this.flowArgs(f),
      f.id,
    );
  }

  async createCollection(c: Collection) {
    await this.run(
      this.pool,
      `INSERT INTO collections (id, client_id, project_id, name, description, code, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      c.id,
      c.clientId,
      c.projectId,
      c.name,
      n(c.description),
      c.code,
      c.createdAt,
      c.updatedAt,
    );
  }

  async getCollection(clientId: string, id: string) {
    const r = await this.get(
      this.pool,
      'SELECT * FROM collections WHERE id = ? AND client_id = ?',
      id,
      clientId,
    );
    return r ? toCollection(r) : undefined;
  }

  async listCollections(clientId: string, q: PageQuery & { projectId?: string }) {
    const where = ['client_id = ?'];
    const args: Arg[] = [clientId];
    if (q.projectId) where.push('project_id = ?') && args.push(q.projectId);
    return this.page('collections', where, args, q, toCollection);
  }

  async countPersons(collectionId: string) {
    return Number(
      (await this.get(this.pool, 'SELECT COUNT(*) AS n FROM persons WHERE collection_id = ?', collectionId))
        ?.n ?? 0,
    );
  }

  async flowsUsingCollection(collectionId: string) {
    return (
      await this.all(
        this.pool,
        'SELECT id FROM project_flows WHERE collection_id = ? ORDER BY id',
        collectionId,
      )
    ).map((r) => str(r.id));
  }

  /** Announces a change of the persons of a collection; delivered to listeners when `c` commits. */
  private async notify(c: pg.PoolClient, collectionId: string, personId?: string) {
    const payload = JSON.stringify({ o: this.origin, c: collectionId, ...(personId ? { p: personId } : {}) });
    await c.query({ ...prepared('SELECT pg_notify(?, ?)'), values: [INDEX_CHANNEL, payload] });
  }

  async deleteCollection(id: string) {
    return this.tx(async (c) => {
      const persons = await this.run(c, 'SELECT id FROM persons WHERE collection_id = ? FOR UPDATE', id);
      const templates = await this.run(c, 'DELETE FROM templates WHERE collection_id = ?', id);
      const faceImages = await this.run(
        c,
        'DELETE FROM face_images WHERE person_id IN (SELECT id FROM persons WHERE collection_id = ?)',
        id,
      );
      await this.run(c, 'DELETE FROM persons WHERE collection_id = ?', id);
      await this.run(c, 'DELETE FROM collections WHERE id = ?', id);
      await this.notify(c, id);
      return { persons, templates, faceImages };
    });
  }

  private static readonly PERSON_SELECT = `p.*,
    (SELECT COUNT(*) FROM templates t WHERE t.person_id = p.id) AS templates,
    (SELECT COUNT(*) FROM face_images i WHERE i.person_id = p.id) AS face_images`;

  async getPerson(clientId: string, id: string) {
    const r = await this.get(
      this.pool,
      `SELECT ${PgStore.PERSON_SELECT} FROM persons p WHERE p.id = ? AND p.client_id = ?`,
      id,
      clientId,
    );
    return r ? toPerson(r) : undefined;
  }

  async findPersonByIdentifier(collectionId: string, identifier: string) {
    const r = await this.get(
      this.pool,
      'SELECT * FROM persons WHERE collection_id = ? AND identifier = ?',
      collectionId,
      identifier,
    );
    return r ? toPerson(r) : undefined;
  }

  async listPersons(clientId: string, q: PageQuery & { projectId?: string; collectionId?: string }) {
    const where = ['p.client_id = ?'];
    const args: Arg[] = [clientId];
    if (q.projectId) where.push('p.project_id = ?') && args.push(q.projectId);
    if (q.collectionId) where.push('p.collection_id = ?') && args.push(q.collectionId);
    const res = await this.page('persons p', where, args, q, toPerson, PgStore.PERSON_SELECT);
    return res as Page<Person & PersonCounts>;
  }

  async deletePerson(id: string): Promise<PersonCounts> {
    return this.tx(async (c) => {
      const person = await this.get(c, 'SELECT collection_id FROM persons WHERE id = ? FOR UPDATE', id);
      const templates = await this.run(c, 'DELETE FROM templates WHERE person_id = ?', id);
      const faceImages = await this.run(c, 'DELETE FROM face_images WHERE person_id = ?', id);
      await this.run(c, 'DELETE FROM persons WHERE id = ?', id);
      if (person) await this.notify(c, str(person.collection_id), id);
      return { templates, faceImages };
    });
  }

  async allTemplates(): Promise<StoredTemplate[]> {
    return (await this.all(this.pool, 'SELECT * FROM templates ORDER BY created_at, id')).map(toTemplate);
  }

  async templateRefs(): Promise<TemplateRef[]> {
    return (
      await this.all(this.pool, 'SELECT id, person_id, collection_id FROM templates ORDER BY created_at, id')
    ).map((r) => ({ id: str(r.id), personId: str(r.person_id), collectionId: str(r.collection_id) }));
  }

  async templatesByIds(ids: string[]): Promise<StoredTemplate[]> {
    if (!ids.length) return [];
    return (
      await this.all(
        this.pool,
        'SELECT * FROM templates WHERE id = ANY(?::text[]) ORDER BY created_at, id',
        ids,
      )
    ).map(toTemplate);
  }

  async personTemplates(personId: string): Promise<StoredTemplate[]> {
    return (
      await this.all(
        this.pool,
        'SELECT * FROM templates WHERE person_id = ? ORDER BY created_at, id',
        personId,
      )
    ).map(toTemplate);
  }

  /**
   * LISTENs on a connection of its own (a pooled one would be handed to queries). When that
   * connection is lost it reconnects every second, then asks for a resync: notices sent while it
   * was away are gone.
   */
  async watchIndex(watcher: IndexWatcher) {
    let stopped = false;
    let client: pg.Client | undefined;
    let retry: NodeJS.Timeout | undefined;
    const scheduleRetry = () => {
      if (stopped || retry) return;
      retry = setTimeout(() => {
        retry = undefined;
        connect().then(
          () => watcher.onResync(),
          () => scheduleRetry(),
        );
      }, 1000);
      retry.unref();
    };
    const connect = async () => {
      const c = new pg.Client({
        connectionString: this.url,
        application_name: LISTEN_APPLICATION,
        // A LISTEN connection only receives: keepalives notice a peer that vanished without a FIN.
        keepAlive: true,
      });
      c.on('error', () => {});
      c.on('end', () => {
        if (client === c) client = undefined;
        scheduleRetry();
      });
      c.on('notification', (msg) => {
        if (msg.channel !== INDEX_CHANNEL || !msg.payload) return;
        let note: { o?: string; c?: string; p?: string };
        try {
          note = JSON.parse(msg.payload);
        } catch {
          return;
        }
        if (note.o === this.origin || typeof note.c !== 'string') return;
        watcher.onChange({ collectionId: note.c, personId: typeof note.p === 'string' ? note.p : undefined });
      });
      try {
        await c.connect();
        await c.query(`LISTEN ${INDEX_CHANNEL}`);
      } catch (err) {
        await c.end().catch(() => {});
        throw err;
      }
      if (stopped) await c.end();
      else client = c;
    };
    await connect();
    return async () => {
      stopped = true;
      clearTimeout(retry);
      await client?.end().catch(() => {});
    };
  }

  private validationArgs(v: BiometricValidation): Arg[] {
    return [
      v.sessionStatus,
      v.status,
      n(v.personId),
      v.livenessScore,
      v.attempts,
      JSON.stringify(v.livenessResults),
      JSON.stringify(v.comparisonResults),
      v.result ? JSON.stringify(v.result) : null,
      n(v.completedAt),
      v.updatedAt,
      v.version,
    ];
  }

  private async insertValidation(db: Db, v: BiometricValidation) {
    await this.run(
      db,
      `INSERT INTO biometric_validations (session_status, status, person_id, liveness_score, attempts,
        liveness_results, comparison_results, result, completed_at, updated_at, version,
        id, client_id, project_id, flow_id, session_id, identifier, type, settings, options, collection_id,
        collection_code, max_attempts, expires_at, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ...this.validationArgs(v),
      v.id,
      v.clientId,
      v.projectId,
      v.flowId,
      v.sessionId,
      v.identifier,
      v.type,
      JSON.stringify(v.settings),
      JSON.stringify(v.options),
      n(v.collectionId),
      n(v.collectionCode),
      v.maxAttempts,
      v.expiresAt,
      v.createdAt,
    );
  }

  async createValidation(v: BiometricValidation) {
    await this.insertValidation(this.pool, v);
  }

  async createValidationIdempotent(
    v: BiometricValidation,
    idem?: { clientId: string; key: string; bodyHash: string; response: string },
    mails?: NewMail[],
  ) {
    if (!idem && !mails?.length) {
      await this.insertValidation(this.pool, v);
      return true;
    }
    return this.tx(async (c) => {
      if (!idem) {
        await this.insertValidation(c, v);
        await this.insertMails(c, mails, v.createdAt);
        return true;
      }
      // A concurrent insert of the same key (on any instance) waits here for the first to commit.
      const inserted = await this.run(
        c,
        `INSERT INTO idempotency_keys (client_id, idem_key, body_hash, response, created_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (client_id, idem_key) DO NOTHING`,
        idem.clientId,
        idem.key,
        idem.bodyHash,
        idem.response,
        v.createdAt,
      );
      if (inserted === 0) return false;
      await this.insertValidation(c, v);
      await this.insertMails(c, mails, v.createdAt);
      return true;
    });
  }

  async getValidation(id: string) {
    const r = await this.get(this.pool, 'SELECT * FROM biometric_validations WHERE id = ?', id);
    return r ? toValidation(r) : undefined;
  }

  async listValidations(clientId: string, q: PageQuery & { projectId?: string; status?: ValidationStatus }) {
    const where = ['client_id = ?'];
    const args: Arg[] = [clientId];
    if (q.projectId) where.push('project_id = ?') && args.push(q.projectId);
    if (q.status) where.push('status = ?') && args.push(q.status);
    return this.page('biometric_validations', where, args, q, toValidation);
  }

  private async applyEnrolment(c: pg.PoolClient, e: Enrolment) {
    if (e.replacePersonId) {
      await this.run(c, 'DELETE FROM templates WHERE person_id = ?', e.replacePersonId);
      await this.run(c, 'DELETE FROM face_images WHERE person_id = ?', e.replacePersonId);
      await this.run(
        c,
        'UPDATE persons SET updated_at = ? WHERE id = ?',
        e.person.updatedAt,
        e.replacePersonId,
      );
    } else {
      const p = e.person;
      await this.run(
        c,
        `INSERT INTO persons (id, client_id, project_id, collection_id, identifier, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
        p.id,
        p.clientId,
        p.projectId,
        p.collectionId,
        p.identifier,
        p.createdAt,
        p.updatedAt,
      );
    }
    const t = e.template;
    await this.run(
      c,
      'INSERT INTO templates (id, person_id, collection_id, model, template, created_at) VALUES (?, ?, ?, ?, ?, ?)',
      t.id,
      t.personId,
      t.collectionId,
      t.model,
      bytes(t.template),
      t.createdAt,
    );
    if (e.image) {
      const i = e.image;
      await this.run(
        c,
        'INSERT INTO face_images (id, person_id, mime, image, created_at) VALUES (?, ?, ?, ?, ?)',
        i.id,
        i.personId,
        i.mime,
        bytes(i.image),
        i.createdAt,
      );
    }
    await this.notify(c, t.collectionId, t.personId);
  }

  private async insertEvents(c: pg.PoolClient, events: NewOutboxEvent[] | undefined, at: string) {
    for (const e of events ?? []) {
      await this.run(
        c,
        `INSERT INTO webhook_outbox (id, project_id, event_type, url, payload, status, attempts, next_attempt_at, created_at)
         VALUES (?, ?, ?, ?, ?, 'pending', 0, ?, ?)`,
        objectId(),
        e.projectId,
        e.eventType,
        e.url,
        JSON.stringify(e.payload),
        at,
        at,
      );
    }
  }

  private async writeAppRegistration(c: Db, r: AppRegistration) {
    await this.run(
      c,
      `UPDATE app_registrations SET status = ?, os = ?, person_id = ?, validation_id = ?, collection_id = ?, updated_at = ?
       WHERE id = ?`,
      r.status,
      n(r.os),
      n(r.personId),
      n(r.validationId),
      n(r.collectionId),
      r.updatedAt,
      r.id,
    );
  }

  async saveValidation(
    v: BiometricValidation,
    extra: {
      enrolment?: Enrolment;
      events?: NewOutboxEvent[];
      appRegistration?: AppRegistration;
      mails?: NewMail[];
      consumeCode?: boolean;
    } = {},
  ) {
    return this.tx(async (c) => {
      const changed = await this.run(
        c,
        `UPDATE biometric_validations SET session_status = ?, status = ?, person_id = ?, liveness_score = ?, attempts = ?,
          liveness_results = ?, comparison_results = ?, result = ?, completed_at = ?, updated_at = ?, version = ?
         WHERE id = ? AND version = ?`,
        ...this.validationArgs(v),
        v.id,
        v.version - 1,
      );
      if (changed === 0) return false;
      if (extra.enrolment) await this.applyEnrolment(c, extra.enrolment);
      if (extra.appRegistration) await this.writeAppRegistration(c, extra.appRegistration);
      await this.insertEvents(c, extra.events, v.updatedAt);
      await this.insertMails(c, extra.mails, v.updatedAt);
      if (extra.consumeCode)
        await this.run(
          c,
          'UPDATE two_factor_codes SET consumed_at = ? WHERE validation_id = ?',
          v.updatedAt,
          v.id,
        );
      return true;
    });
  }

  async createAppRegistration(r: AppRegistration) {
    await this.run(
      this.pool,
      `INSERT INTO app_registrations (id, client_id, project_id, flow_id, status, email, country_code, phone, os,
        collection_id, expires_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      r.id,
      r.clientId,
      r.projectId,
      r.flowId,
      r.status,
      n(r.email),
      n(r.countryCode),
      n(r.phone),
      n(r.os),
      n(r.collectionId),
      r.expiresAt,
      r.createdAt,
      r.updatedAt,
    );
  }

  async getAppRegistration(id: string) {
    const r = await this.get(this.pool, 'SELECT * FROM app_registrations WHERE id = ?', id);
    return r ? toAppRegistration(r) : undefined;
  }

  async saveAppRegistration(r: AppRegistration, extra: { enrolment?: Enrolment; events?: NewOutboxEvent[] }) {
    await this.tx(async (c) => {
      if (extra.enrolment) await this.applyEnrolment(c, extra.enrolment);
      await this.writeAppRegistration(c, r);
      await this.insertEvents(c, extra.events, r.updatedAt);
    });
  }

  async getIdempotent(clientId: string, key: string) {
    const r = await this.get(
      this.pool,
      'SELECT * FROM idempotency_keys WHERE client_id = ? AND idem_key = ?',
      clientId,
      key,
    );
    return r
      ? { bodyHash: str(r.body_hash), response: str(r.response), createdAt: str(r.created_at) }
      : undefined;
  }

  async putIdempotent(clientId: string, key: string, bodyHash: string, response: string) {
    await this.run(
      this.pool,
      `INSERT INTO idempotency_keys (client_id, idem_key, body_hash, response, created_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (client_id, idem_key) DO UPDATE SET body_hash = excluded.body_hash, response = excluded.response,
       created_at = excluded.created_at`,
      clientId,
      key,
      bodyHash,
      response,
      new Date().toISOString(),
    );
  }

  async claimOutbox(now: string, until: string, limit: number, owner: string) {
    // SKIP LOCKED: an instance never waits for, nor takes, the rows another is claiming right now.
    return (
      await this.all(
        this.pool,
        `UPDATE webhook_outbox SET claimed_until = ?, claimed_by = ? WHERE id IN (
           SELECT id FROM webhook_outbox WHERE status = 'pending' AND next_attempt_at <= ?
             AND (claimed_until IS NULL OR claimed_until <= ?)
           ORDER BY next_attempt_at LIMIT ? FOR UPDATE SKIP LOCKED)
         RETURNING *`,
        until,
        owner,
        now,
        now,
        limit,
      )
    ).map(toOutbox);
  }

  async recordDelivery(
    e: OutboxEvent,
    d: { statusCode?: number; error?: string; durationMs: number; at: string },
    outcome: { status: OutboxEvent['status']; nextAttemptAt: string },
  ) {
    return this.tx(async (c) => {
      const attempt = e.attempts + 1;
      await this.run(
        c,
        `INSERT INTO webhook_deliveries (id, outbox_id, attempt, status_code, error, duration_ms, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
        objectId(),
        e.id,
        attempt,
        d.statusCode ?? null,
        n(d.error),
        Math.round(d.durationMs),
        d.at,
      );
      const kept = await this.run(
        c,
        `UPDATE webhook_outbox SET status = ?, attempts = ?, next_attempt_at = ?, last_error = ?, delivered_at = ?,
           claimed_until = NULL, claimed_by = NULL
         WHERE id = ? AND claimed_by = ? AND claimed_until = ?`,
        outcome.status,
        attempt,
        outcome.nextAttemptAt,
        n(d.error ?? (d.statusCode && d.statusCode >= 300 ? `HTTP ${d.statusCode}` : undefined)),
        outcome.status === 'delivered' ? d.at : null,
        e.id,
        n(e.claimedBy),
        n(e.claimedUntil),
      );
      return kept > 0;
    });
  }

  async pendingOutboxCount() {
    return Number(
      (await this.get(this.pool, "SELECT COUNT(*) AS n FROM webhook_outbox WHERE status = 'pending'"))?.n ??
        0,
    );
  }

  async listDeliveries(outboxId: string) {
    return (
      await this.all(
        this.pool,
        'SELECT * FROM webhook_deliveries WHERE outbox_id = ? ORDER BY attempt',
        outboxId,
      )
    ).map((r) => ({
      attempt: Number(r.attempt),
      statusCode: opt(r.status_code as number | null),
      error: optStr(r.error),
    }));
  }

  private async insertMails(c: pg.PoolClient, mails: NewMail[] | undefined, at: string) {
    for (const m of mails ?? []) await this.run(c, INSERT_MAIL, ...insertMailArgs(objectId(), m, at));
  }

  async claimMail(now: string, until: string, limit: number, owner: string): Promise<Mail[]> {
    return (await this.all(this.pool, CLAIM_MAIL_PG, until, owner, now, now, limit)).map(toMail);
  }

  async recordMail(
    m: Mail,
    outcome: { status: MailStatus; nextAttemptAt: string; error?: string; at: string },
  ) {
    const kept = await this.run(
      this.pool,
      RECORD_MAIL,
      outcome.status,
      m.attempts + 1,
      outcome.nextAttemptAt,
      n(outcome.error),
      outcome.status === 'sent' ? outcome.at : null,
      m.id,
      n(m.claimedBy),
      n(m.claimedUntil),
    );
    return kept > 0;
  }

  async linkMailStatus(validationIds: string[]) {
    const out = new Map<string, { status: MailStatus; sentAt?: string }>();
    if (!validationIds.length) return out;
    const rows = await this.all(
      this.pool,
      "SELECT validation_id, status, sent_at FROM mail_outbox WHERE kind = 'link' AND validation_id = ANY(?::text[])",
      validationIds,
    );
    for (const r of rows)
      out.set(str(r.validation_id), { status: r.status as MailStatus, sentAt: optStr(r.sent_at) });
    return out;
  }

  async putTwoFactorCode(c: TwoFactorCode) {
    await this.run(this.pool, PUT_CODE, c.validationId, c.hash, c.salt, c.attempts, c.expiresAt, c.createdAt);
  }

  async getTwoFactorCode(validationId: string) {
    const r = await this.get(
      this.pool,
      'SELECT * FROM two_factor_codes WHERE validation_id = ?',
      validationId,
    );
    return r ? toTwoFactorCode(r) : undefined;
  }

  async countCodeAttempt(validationId: string, max: number) {
    const r = await this.get(this.pool, COUNT_CODE_ATTEMPT, validationId, max);
    return r ? Number(r.attempts) : undefined;
  }
}
