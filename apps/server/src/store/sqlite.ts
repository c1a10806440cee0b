import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DatabaseSync, type SQLInputValue } from 'node:sqlite';
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

type Row = Record<string, SQLInputValue>;

/** SQLite store on Node's built-in node:sqlite, in WAL mode. Calls are synchronous underneath. */
export class SqliteStore implements Store {
  readonly dialect = 'sqlite';
  readonly db: DatabaseSync;
  private readonly stmts = new Map<string, ReturnType<DatabaseSync['prepare']>>();

  constructor(readonly file: string) {
    if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
    this.db = new DatabaseSync(file);
    // First, so that even switching to WAL waits for another process (the CLI, say) to let go.
    this.db.exec('PRAGMA busy_timeout = 5000');
    this.db.exec('PRAGMA journal_mode = WAL');
    // NORMAL is durable across process crashes in WAL mode (only an OS crash can lose the last commits).
    this.db.exec('PRAGMA synchronous = NORMAL');
    this.db.exec('PRAGMA foreign_keys = ON');
  }

  private q(sql: string) {
    let s = this.stmts.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.stmts.set(sql, s);
    }
    return s;
  }

  private all(sql: string, ...args: SQLInputValue[]): Row[] {
    return this.q(sql).all(...args) as Row[];
  }

  private get(sql: string, ...args: SQLInputValue[]): Row | undefined {
    return this.q(sql).get(...args) as Row | undefined;
  }

  private run(sql: string, ...args: SQLInputValue[]) {
    return this.q(sql).run(...args);
  }

  private tx<T>(fn: () => T): T {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const out = fn();
      this.db.exec('COMMIT');
      return out;
    } catch (err) {
      this.db.exec('ROLLBACK');
      throw err;
    }
  }

  async migrate(): Promise<number> {
    this.db.exec(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)',
    );
    const applied = new Set(
      (this.db.prepare('SELECT version FROM schema_migrations').all() as Row[]).map((r) => Number(r.version)),
    );
    let count = 0;
    for (const { version, file } of migrationFiles('sqlite')) {
      if (applied.has(version)) continue;
      const sql = readFileSync(file, 'utf8');
      this.tx(() => {
        this.db.exec(sql);
        this.db
          .prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)')
          .run(version, new Date().toISOString());
      });
      count++;
    }
    return count;
  }

  async ping() {
    this.get('SELECT 1 AS ok');
  }

  async close() {
    this.stmts.clear();
    if (this.db.isOpen) this.db.close();
  }

  async getSetting(name: string) {
    return optStr(this.get('SELECT value FROM settings WHERE name = ?', name)?.value);
  }

  async setSetting(name: string, value: string) {
    this.run(
      'INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value',
      name,
      value,
    );
  }

  async createClient(c: Client) {
    this.run('INSERT INTO clients (id, name, created_at) VALUES (?, ?, ?)', c.id, c.name, c.createdAt);
  }

  async getClient(id: string) {
    const r = this.get('SELECT * FROM clients WHERE id = ?', id);
    return r ? { id: str(r.id), name: str(r.name), createdAt: str(r.created_at) } : undefined;
  }

  async createClientToken(t: ClientToken) {
    this.run(
      'INSERT INTO client_tokens (jti, client_id, created_at, expires_at) VALUES (?, ?, ?, ?)',
      t.jti,
      t.clientId,
      t.createdAt,
      t.expiresAt,
    );
  }

  async getClientToken(jti: string) {
    const r = this.get('SELECT * FROM client_tokens WHERE jti = ?', jti);
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
      this.run('UPDATE client_tokens SET revoked_at = ? WHERE jti = ? AND revoked_at IS NULL', at, jti)
        .changes > 0
    );
  }

  async listSigningKeys(): Promise<SigningKey[]> {
    return this.all('SELECT * FROM signing_keys ORDER BY created_at DESC, kid DESC').map((r) => ({
      kid: str(r.kid),
      privateJwk: str(r.private_jwk),
      publicJwk: str(r.public_jwk),
      createdAt: str(r.created_at),
      retiredAt: optStr(r.retired_at),
    }));
  }

  async rotateSigningKey(k: SigningKey) {
    this.tx(() => {
      this.run('UPDATE signing_keys SET retired_at = ? WHERE retired_at IS NULL', k.createdAt);
      this.run(
        'INSERT INTO signing_keys (kid, private_jwk, public_jwk, created_at) VALUES (?, ?, ?, ?)',
        k.kid,
        k.privateJwk,
        k.publicJwk,
        k.createdAt,
      );
    });
  }

  private page<T>(
    table: string,
    where: string[],
    args: SQLInputValue[],
    q: PageQuery,
    map: (r: Row) => T,
    select = '*',
  ) {
    const w = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const total = Number(this.get(`SELECT COUNT(*) AS n FROM ${table} ${w}`, ...args)?.n ?? 0);
    const rows = this.all(
      `SELECT ${select} FROM ${table} ${w} ORDER BY id DESC LIMIT ? OFFSET ?`,
      ...args,
      q.limit,
      (q.page - 1) * q.limit,
    );
    return { items: rows.map(map), total };
  }

  async createProject(p: Project) {
    this.run(
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
    const r = this.get('SELECT * FROM projects WHERE id = ? AND client_id = ?', id, clientId);
    return r ? toProject(r) : undefined;
  }

  async getProjectSecret(projectId: string) {
    return optStr(this.get('SELECT webhook_secret FROM projects WHERE id = ?', projectId)?.webhook_secret);
  }

  async listProjects(clientId: string, q: PageQuery) {
    return this.page('projects', ['client_id = ?'], [clientId], q, toProject);
  }

  async updateProject(p: Project) {
    this.run('UPDATE projects SET name = ?, updated_at = ? WHERE id = ?', p.name, p.updatedAt, p.id);
  }

  private flowArgs(f: ProjectFlow): SQLInputValue[] {
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
    this.run(
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
    const r = this.get('SELECT * FROM project_flows WHERE id = ? AND client_id = ?', id, clientId);
    return r ? toFlow(r) : undefined;
  }

  async listFlows(clientId: string, q: PageQuery & { projectId?: string }) {
    const where = ['client_id = ?'];
    const args: SQLInputValue[] = [clientId];
    if (q.projectId) where.push('project_id = ?') && args.push(q.projectId);
    return this.page('project_flows', where, args, q, toFlow);
  }

  async updateFlow(f: ProjectFlow) {
    this.run(
      `UPDATE project_flows SET type = ?, status = ?, name = ?, liveness_min_score = ?, search_mode = ?,
        search_min_score = ?, max_attempts = ?, retain_face_images = ?, redirect_url = ?, webhook_url = ?,
        collection_id = ?, updated_at = ? WHERE id = ?`,
      ...this.flowArgs(f),
      f.id,
    );
  }

  async createCollection(c: Collection) {
    this.run(
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
    const r = this.get('SELECT * FROM collections WHERE id = ? AND client_id = ?', id, clientId);
    return r ? toCollection(r) : undefined;
  }

  async listCollections(clientId: string, q: PageQuery & { projectId?: string }) {
    const where = ['client_id = ?'];
    const args: SQLInputValue[] = [clientId];
    if (q.projectId) where.push('project_id = ?') && args.push(q.projectId);
    return this.page('collections', where, args, q, toCollection);
  }

  async countPersons(collectionId: string) {
    return Number(
      this.get('SELECT COUNT(*) AS n FROM persons WHERE collection_id = ?', collectionId)?.n ?? 0,
    );
  }

  async flowsUsingCollection(collectionId: string) {
    return this.all('SELECT id FROM project_flows WHERE collection_id = ? ORDER BY id', collectionId).map(
      (r) => str(r.id),
    );
  }

  private deletePersonRows(personIds: string[]): PersonCounts {
    let templates = 0;
    let faceImages = 0;
    for (const id of personIds) {
      templates += Number(this.run('DELETE FROM templates WHERE person_id = ?', id).changes);
      faceImages += Number(this.run('DELETE FROM face_images WHERE person_id = ?', id).changes);
      this.run('DELETE FROM persons WHERE id = ?', id);
    }
    return { templates, faceImages };
  }

  async deleteCollection(id: string) {
    return this.tx(() => {
      const ids = this.all('SELECT id FROM persons WHERE collection_id = ?', id).map((r) => str(r.id));
      const counts = this.deletePersonRows(ids);
      this.run('DELETE FROM collections WHERE id = ?', id);
      return { persons: ids.length, ...counts };
    });
  }

  private static readonly PERSON_SELECT = `p.*,
    (SELECT COUNT(*) FROM templates t WHERE t.person_id = p.id) AS templates,
    (SELECT COUNT(*) FROM face_images i WHERE i.person_id = p.id) AS face_images`;

  async getPerson(clientId: string, id: string) {
    const r = this.get(
      `SELECT ${SqliteStore.PERSON_SELECT} FROM persons p WHERE p.id = ? AND p.client_id = ?`,
      id,
      clientId,
    );
    return r ? toPerson(r) : undefined;
  }

  async findPersonByIdentifier(collectionId: string, identifier: string) {
    const r = this.get(
      'SELECT * FROM persons WHERE collection_id = ? AND identifier = ?',
      collectionId,
      identifier,
    );
    return r ? toPerson(r) : undefined;
  }

  async listPersons(clientId: string, q: PageQuery & { projectId?: string; collectionId?: string }) {
    const where = ['p.client_id = ?'];
    const args: SQLInputValue[] = [clientId];
    if (q.projectId) where.push('p.project_id = ?') && args.push(q.projectId);
    if (q.collectionId) where.push('p.collection_id = ?') && args.push(q.collectionId);
    const res = this.page('persons p', where, args, q, toPerson, SqliteStore.PERSON_SELECT);
    return res as Page<Person & PersonCounts>;
  }

  async deletePerson(id: string) {
    return this.tx(() => this.deletePersonRows([id]));
  }

  async allTemplates(): Promise<StoredTemplate[]> {
    return this.all('SELECT * FROM templates ORDER BY created_at, id').map(toTemplate);
  }

  async templateRefs(): Promise<TemplateRef[]> {
    return this.all('SELECT id, person_id, collection_id FROM templates ORDER BY created_at, id').map(
      (r) => ({
        id: str(r.id),
        personId: str(r.person_id),
        collectionId: str(r.collection_id),
      }),
    );
  }

  async templatesByIds(ids: string[]): Promise<StoredTemplate[]> {
    const out: StoredTemplate[] = [];
    for (const id of ids) {
      const r = this.get('SELECT * FROM templates WHERE id = ?', id);
      if (r) out.push(toTemplate(r));
    }
    return out;
  }

  async personTemplates(personId: string): Promise<StoredTemplate[]> {
    return this.all('SELECT * FROM templates WHERE person_id = ? ORDER BY created_at, id', personId).map(
      toTemplate,
    );
  }

  /** One process owns a SQLite file: no other instance changes the persons behind its back. */
  async watchIndex() {
    return async () => {};
  }

  private validationArgs(v: BiometricValidation): SQLInputValue[] {
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

  private insertValidation(v: BiometricValidation) {
    this.run(
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
    this.insertValidation(v);
  }

  async createValidationIdempotent(
    v: BiometricValidation,
    idem?: { clientId: string; key: string; bodyHash: string; response: string },
    mails?: NewMail[],
  ) {
    return this.tx(() => {
      if (idem) {
        const res = this.run(
          `INSERT INTO idempotency_keys (client_id, idem_key, body_hash, response, created_at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (client_id, idem_key) DO NOTHING`,
          idem.clientId,
          idem.key,
          idem.bodyHash,
          idem.response,
          v.createdAt,
        );
        if (Number(res.changes) === 0) return false;
      }
      this.insertValidation(v);
      this.insertMails(mails, v.createdAt);
      return true;
    });
  }

  async getValidation(id: string) {
    const r = this.get('SELECT * FROM biometric_validations WHERE id = ?', id);
    return r ? toValidation(r) : undefined;
  }

  async listValidations(clientId: string, q: PageQuery & { projectId?: string; status?: ValidationStatus }) {
    const where = ['client_id = ?'];
    const args: SQLInputValue[] = [clientId];
    if (q.projectId) where.push('project_id = ?') && args.push(q.projectId);
    if (q.status) where.push('status = ?') && args.push(q.status);
    return this.page('biometric_validations', where, args, q, toValidation);
  }

  private applyEnrolment(e: Enrolment) {
    if (e.replacePersonId) {
      this.run('DELETE FROM templates WHERE person_id = ?', e.replacePersonId);
      this.run('DELETE FROM face_images WHERE person_id = ?', e.replacePersonId);
      this.run('UPDATE persons SET updated_at = ? WHERE id = ?', e.person.updatedAt, e.replacePersonId);
    } else {
      const p = e.person;
      this.run(
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
    this.run(
      'INSERT INTO templates (id, person_id, collection_id, model, template, created_at) VALUES (?, ?, ?, ?, ?, ?)',
      t.id,
      t.personId,
      t.collectionId,
      t.model,
      t.template,
      t.createdAt,
    );
    if (e.image) {
      const i = e.image;
      this.run(
        'INSERT INTO face_images (id, person_id, mime, image, created_at) VALUES (?, ?, ?, ?, ?)',
        i.id,
        i.personId,
        i.mime,
        i.image,
        i.createdAt,
      );
    }
  }

  private insertEvents(events: NewOutboxEvent[] | undefined, at: string) {
    for (const e of events ?? []) {
      this.run(
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

  private writeAppRegistration(r: AppRegistration) {
    this.run(
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
    return this.tx(() => {
      const res = this.run(
        `UPDATE biometric_validations SET session_status = ?, status = ?, person_id = ?, liveness_score = ?, attempts = ?,
          liveness_results = ?, comparison_results = ?, result = ?, completed_at = ?, updated_at = ?, version = ?
         WHERE id = ? AND version = ?`,
        ...this.validationArgs(v),
        v.id,
        v.version - 1,
      );
      if (Number(res.changes) === 0) return false;
      if (extra.enrolment) this.applyEnrolment(extra.enrolment);
      if (extra.appRegistration) this.writeAppRegistration(extra.appRegistration);
      this.insertEvents(extra.events, v.updatedAt);
      this.insertMails(extra.mails, v.updatedAt);
      if (extra.consumeCode)
        this.run('UPDATE two_factor_codes SET consumed_at = ? WHERE validation_id = ?', v.updatedAt, v.id);
      return true;
    });
  }

  async createAppRegistration(r: AppRegistration) {
    this.run(
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
    const r = this.get('SELECT * FROM app_registrations WHERE id = ?', id);
    return r ? toAppRegistration(r) : undefined;
  }

  async saveAppRegistration(r: AppRegistration, extra: { enrolment?: Enrolment; events?: NewOutboxEvent[] }) {
    this.tx(() => {
      if (extra.enrolment) this.applyEnrolment(extra.enrolment);
      this.writeAppRegistration(r);
      this.insertEvents(extra.events, r.updatedAt);
    });
  }

  async getIdempotent(clientId: string, key: string) {
    const r = this.get('SELECT * FROM idempotency_keys WHERE client_id = ? AND idem_key = ?', clientId, key);
    return r
      ? { bodyHash: str(r.body_hash), response: str(r.response), createdAt: str(r.created_at) }
      : undefined;
  }

  async putIdempotent(clientId: string, key: string, bodyHash: string, response: string) {
    this.run(
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
    // BEGIN IMMEDIATE takes the write lock first, so even two processes on one file claim apart.
    return this.tx(() =>
      this.all(
        `UPDATE webhook_outbox SET claimed_until = ?, claimed_by = ? WHERE id IN (
           SELECT id FROM webhook_outbox WHERE status = 'pending' AND next_attempt_at <= ?
             AND (claimed_until IS NULL OR claimed_until <= ?)
           ORDER BY next_attempt_at LIMIT ?)
         RETURNING *`,
        until,
        owner,
        now,
        now,
        limit,
      ).map(toOutbox),
    );
  }

  async recordDelivery(
    e: OutboxEvent,
    d: { statusCode?: number; error?: string; durationMs: number; at: string },
    outcome: { status: OutboxEvent['status']; nextAttemptAt: string },
  ) {
    return this.tx(() => {
      const attempt = e.attempts + 1;
      this.run(
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
      const res = this.run(
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
      return Number(res.changes) > 0;
    });
  }

  async pendingOutboxCount() {
    return Number(this.get("SELECT COUNT(*) AS n FROM webhook_outbox WHERE status = 'pending'")?.n ?? 0);
  }

  async listDeliveries(outboxId: string) {
    return this.all('SELECT * FROM webhook_deliveries WHERE outbox_id = ? ORDER BY attempt', outboxId).map(
      (r) => ({
        attempt: Number(r.attempt),
        statusCode: opt(r.status_code as number | null),
        error: optStr(r.error),
      }),
    );
  }

  private insertMails(mails: NewMail[] | undefined, at: string) {
    for (const m of mails ?? []) this.run(INSERT_MAIL, ...insertMailArgs(objectId(), m, at));
  }

  async claimMail(now: string, until: string, limit: number, owner: string) {
    return this.tx(() => this.all(CLAIM_MAIL, until, owner, now, now, limit).map(toMail));
  }

  async recordMail(
    m: Mail,
    outcome: { status: MailStatus; nextAttemptAt: string; error?: string; at: string },
  ) {
    const res = this.run(
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
    return Number(res.changes) > 0;
  }

  async linkMailStatus(validationIds: string[]) {
    const out = new Map<string, { status: MailStatus; sentAt?: string }>();
    if (!validationIds.length) return out;
    const rows = this.db
      .prepare(
        `SELECT validation_id, status, sent_at FROM mail_outbox WHERE kind = 'link' AND validation_id IN (${validationIds.map(() => '?').join(', ')})`,
      )
      .all(...validationIds) as Row[];
    for (const r of rows)
      out.set(str(r.validation_id), { status: r.status as MailStatus, sentAt: optStr(r.sent_at) });
    return out;
  }

  async putTwoFactorCode(c: TwoFactorCode) {
    this.run(PUT_CODE, c.validationId, c.hash, c.salt, c.attempts, c.expiresAt, c.createdAt);
  }

  async getTwoFactorCode(validationId: string) {
    const r = this.get('SELECT * FROM two_factor_codes WHERE validation_id = ?', validationId);
    return r ? toTwoFactorCode(r) : undefined;
  }

  async countCodeAttempt(validationId: string, max: number) {
    const r = this.get(COUNT_CODE_ATTEMPT, validationId, max);
    return r ? Number(r.attempts) : undefined;
  }
}
