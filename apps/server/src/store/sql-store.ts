/**
 * The part of the SQLite and PostgreSQL stores whose SQL and arguments are the same in both. It is
 * written against four primitives; SQL uses `?` placeholders, which the PostgreSQL store numbers.
 *
 * The primitives may answer synchronously (SQLite) or with a promise (PostgreSQL), and the shared
 * code chains them with `after`, not `await`: on SQLite a transaction then runs from BEGIN to COMMIT
 * without yielding to the event loop, so no other request's statement can land inside it.
 */
import { objectId } from '../ids.js';
import {
  CLOSE_CHALLENGE,
  CLOSE_OPEN_CHALLENGES,
  COUNT_CHALLENGES,
  challengeArgs,
  INSERT_CHALLENGE,
  toChallenge,
} from './challenge-rows.js';
import {
  COUNT_CODE_ATTEMPT,
  INSERT_MAIL,
  insertMailArgs,
  PUT_CODE,
  RECORD_MAIL,
  toTwoFactorCode,
} from './mail-rows.js';
import {
  n,
  opt,
  optStr,
  type Row,
  str,
  toAppRegistration,
  toCollection,
  toFlow,
  toHeldEnrolment,
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
  LivenessChallenge,
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
  StoredTemplate,
  TemplateModelCount,
  TemplateRef,
  TemplateRefresh,
  TwoFactorCode,
  ValidationStatus,
} from './types.js';

export type Arg = string | number | boolean | null | Uint8Array | string[];
export type Awaitable<T> = T | Promise<T>;
/** One statement: its SQL, then its arguments. */
export type Stmt = readonly [sql: string, ...args: Arg[]];

/** Runs statements on the pool / database, or inside one transaction. */
export interface Executor {
  /** Returns the number of rows changed (PostgreSQL: rowCount). */
  run(sql: string, ...args: Arg[]): Awaitable<number>;
  get(sql: string, ...args: Arg[]): Awaitable<Row | undefined>;
  all(sql: string, ...args: Arg[]): Awaitable<Row[]>;
}

/**
 * Whether a store error is a unique constraint refusing a row (SQLite's `SQLITE_CONSTRAINT_UNIQUE`
 * or `_PRIMARYKEY`, PostgreSQL's 23505): a request that raced another for the same key, which the
 * caller answers like the loser it is rather than as a failure.
 */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: unknown; errcode?: unknown; message?: unknown } | undefined;
  if (e?.code === '23505') return true;
  return e?.errcode === 2067 || e?.errcode === 1555;
}

/** `f(v)`, synchronously when `v` is not a promise. */
export function after<A, B>(v: Awaitable<A>, f: (a: A) => Awaitable<B>): Awaitable<B> {
  return v instanceof Promise ? v.then(f) : f(v);
}

/** Runs statements one after another; synchronously when the executor is. */
export function runEach(x: Executor, stmts: readonly Stmt[], from = 0): Awaitable<void> {
  for (let i = from; i < stmts.length; i++) {
    const [sql, ...args] = stmts[i] as Stmt;
    const r = x.run(sql, ...args);
    if (r instanceof Promise) return r.then(() => runEach(x, stmts, i + 1));
  }
}

/** Claims due webhook events for a lease; PostgreSQL adds FOR UPDATE SKIP LOCKED to the subquery. */
export const CLAIM_OUTBOX = `UPDATE webhook_outbox SET claimed_until = ?, claimed_by = ? WHERE id IN (
           SELECT id FROM webhook_outbox WHERE status = 'pending' AND next_attempt_at <= ?
             AND (claimed_until IS NULL OR claimed_until <= ?)
           ORDER BY next_attempt_at LIMIT ?)
         RETURNING *`;

/** The column of each field a list sorts and filters by (the items' field names, as the spec's `x-list-fields`). */
export type ListColumns = { _id: string } & Record<string, string>;

const COMMON_COLUMNS: ListColumns = {
  _id: 'id',
  client: 'client_id',
  createdAt: 'created_at',
  updatedAt: 'updated_at',
};
export const LIST_COLUMNS = {
  projects: { ...COMMON_COLUMNS, name: 'name' },
  project_flows: {
    ...COMMON_COLUMNS,
    project: 'project_id',
    type: 'type',
    status: 'status',
    name: 'name',
    assignedCollection: 'collection_id',
  },
  collections: { ...COMMON_COLUMNS, project: 'project_id', name: 'name', code: 'code' },
  persons: {
    _id: 'p.id',
    client: 'p.client_id',
    createdAt: 'p.created_at',
    updatedAt: 'p.updated_at',
    project: 'p.project_id',
    collection: 'p.collection_id',
    identifier: 'p.identifier',
    name: 'p.name',
  },
  // `status` is not a plain column there: a `new` validation past its expiry reads as `expired`.
  biometric_validations: {
    ...COMMON_COLUMNS,
    project: 'project_id',
    projectFlow: 'flow_id',
    livenessSession: 'session_id',
    type: 'type',
    identifier: 'identifier',
    person: 'person_id',
  },
} satisfies Record<string, ListColumns>;

function columnOf(columns: ListColumns, field: string): string {
  const column = columns[field];
  // The handler checked the field against the spec's x-list-fields: a miss is a defect here.
  if (!column) throw new Error(`No column for list field ${field}`);
  return column;
}

/** The condition that a validation reads as one of `statuses`, expiry included, at `now`. */
function effectiveStatusIn(statuses: string[], now: string): { sql: string; args: Arg[] } {
  const parts: string[] = [];
  const args: Arg[] = [];
  for (const status of statuses) {
    if (status === 'expired') parts.push("(status = 'expired' OR (status = 'new' AND expires_at <= ?))");
    else if (status === 'new') parts.push("(status = 'new' AND expires_at > ?)");
    else parts.push('status = ?');
    args.push(status === 'expired' || status === 'new' ? now : status);
  }
  return { sql: `(${parts.join(' OR ')})`, args };
}

const PERSON_SELECT = `p.*,
    (SELECT COUNT(*) FROM templates t WHERE t.person_id = p.id) AS templates,
    (SELECT COUNT(*) FROM face_images i WHERE i.person_id = p.id) AS face_images`;

export abstract class SqlStore {
  protected abstract run(sql: string, ...args: Arg[]): Awaitable<number>;
  protected abstract get(sql: string, ...args: Arg[]): Awaitable<Row | undefined>;
  protected abstract all(sql: string, ...args: Arg[]): Awaitable<Row[]>;
  /** Runs `fn` in one transaction, committing what it returns and rolling back what it throws. */
  protected abstract transaction<T>(fn: (x: Executor) => Awaitable<T>): Awaitable<T>;

  /** How a binary column's value is passed to the driver. */
  protected blob(b: Uint8Array): Arg {
    return b;
  }

  /** Statements announcing, inside an enrolling transaction, that a collection's persons changed. */
  protected indexNotice(_collectionId: string, _personId?: string): Stmt[] {
    return [];
  }

  /** Statements that serialise key rotations across instances, run first in the rotation. */
  protected rotationLock(): Stmt[] {
    return [];
  }

  async ping() {
    await this.get('SELECT 1 AS ok');
  }

  async getSetting(name: string) {
    return optStr((await this.get('SELECT value FROM settings WHERE name = ?', name))?.value);
  }

  async setSetting(name: string, value: string) {
    await this.run(
      'INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value',
      name,
      value,
    );
  }

  async createClient(c: Client) {
    await this.run('INSERT INTO clients (id, name, created_at) VALUES (?, ?, ?)', c.id, c.name, c.createdAt);
  }

  async getClient(id: string) {
    const r = await this.get('SELECT * FROM clients WHERE id = ?', id);
    return r ? { id: str(r.id), name: str(r.name), createdAt: str(r.created_at) } : undefined;
  }

  async createClientToken(t: ClientToken) {
    await this.run(
      'INSERT INTO client_tokens (jti, client_id, created_at, expires_at) VALUES (?, ?, ?, ?)',
      t.jti,
      t.clientId,
      t.createdAt,
      t.expiresAt,
    );
  }

  async getClientToken(jti: string) {
    const r = await this.get('SELECT * FROM client_tokens WHERE jti = ?', jti);
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
        'UPDATE client_tokens SET revoked_at = ? WHERE jti = ? AND revoked_at IS NULL',
        at,
        jti,
      )) > 0
    );
  }

  async listSigningKeys(): Promise<SigningKey[]> {
    return (await this.all('SELECT * FROM signing_keys ORDER BY created_at DESC, kid DESC')).map((r) => ({
      kid: str(r.kid),
      privateJwk: str(r.private_jwk),
      publicJwk: str(r.public_jwk),
      createdAt: str(r.created_at),
      retiredAt: optStr(r.retired_at),
    }));
  }

  async rotateSigningKey(k: SigningKey) {
    await this.transaction((x) =>
      runEach(x, [
        // Two instances creating the first key at once would otherwise leave two active keys.
        ...this.rotationLock(),
        ['UPDATE signing_keys SET retired_at = ? WHERE retired_at IS NULL', k.createdAt],
        [
          'INSERT INTO signing_keys (kid, private_jwk, public_jwk, created_at) VALUES (?, ?, ?, ?)',
          k.kid,
          k.privateJwk,
          k.publicJwk,
          k.createdAt,
        ],
      ]),
    );
  }

  protected async page<T>(
    table: string,
    where: string[],
    args: Arg[],
    q: PageQuery,
    map: (r: Row) => T,
    select = '*',
    columns: ListColumns = COMMON_COLUMNS,
  ): Promise<Page<T>> {
    const conditions = [...where];
    const values = [...args];
    for (const f of q.where ?? []) {
      conditions.push(`${columnOf(columns, f.field)} IN (${f.values.map(() => '?').join(', ')})`);
      values.push(...f.values);
    }
    const w = conditions.length ? `WHERE ${conditions.join(' AND ')}` : '';
    const newest = `${columns._id} DESC`;
    const order = q.sort
      ? `${columnOf(columns, q.sort.field)} ${q.sort.desc ? 'DESC' : 'ASC'}, ${newest}`
      : newest;
    // Chained, so that SQLite counts and reads with nothing in between, as one synchronous step.
    return after(this.get(`SELECT COUNT(*) AS n FROM ${table} ${w}`, ...values), (count) =>
      after(
        this.all(
          `SELECT ${select} FROM ${table} ${w} ORDER BY ${order} LIMIT ? OFFSET ?`,
          ...values,
          q.limit,
          (q.page - 1) * q.limit,
        ),
        (rows) => ({ items: rows.map(map), total: Number(count?.n ?? 0) }),
      ),
    );
  }

  async createProject(p: Project) {
    await this.run(
      `INSERT INTO projects (id, client_id, name, webhook_secret, allowed_origins, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
      p.id,
      p.clientId,
      p.name,
      p.webhookSecret,
      p.allowedOrigins ? JSON.stringify(p.allowedOrigins) : null,
      p.createdAt,
      p.updatedAt,
    );
  }

  async getProject(clientId: string, id: string) {
    const r = await this.get('SELECT * FROM projects WHERE id = ? AND client_id = ?', id, clientId);
    return r ? toProject(r) : undefined;
  }

  async getProjectSecret(projectId: string) {
    return optStr(
      (await this.get('SELECT webhook_secret FROM projects WHERE id = ?', projectId))?.webhook_secret,
    );
  }

  async listProjects(clientId: string, q: PageQuery) {
    return this.page('projects', ['client_id = ?'], [clientId], q, toProject, '*', LIST_COLUMNS.projects);
  }

  async updateProject(p: Project) {
    await this.run(
      'UPDATE projects SET name = ?, allowed_origins = ?, updated_at = ? WHERE id = ?',
      p.name,
      p.allowedOrigins ? JSON.stringify(p.allowedOrigins) : null,
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
      f.allowedRedirectOrigins ? JSON.stringify(f.allowedRedirectOrigins) : null,
      f.public ? 1 : 0,
      f.loginMatch,
      n(f.collectionId),
      f.livenessMode,
      f.updatedAt,
    ];
  }

  async createFlow(f: ProjectFlow) {
    await this.run(
      `INSERT INTO project_flows (type, status, name, liveness_min_score, search_mode, search_min_score, max_attempts,
        retain_face_images, redirect_url, webhook_url, allowed_redirect_origins, public, login_match, collection_id,
        liveness_mode, updated_at, id, client_id, project_id, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ...this.flowArgs(f),
      f.id,
      f.clientId,
      f.projectId,
      f.createdAt,
    );
  }

  async getFlow(clientId: string, id: string) {
    const r = await this.get('SELECT * FROM project_flows WHERE id = ? AND client_id = ?', id, clientId);
    return r ? toFlow(r) : undefined;
  }

  async getPublicFlow(projectId: string, id: string) {
    const r = await this.get(
      'SELECT * FROM project_flows WHERE id = ? AND project_id = ? AND public = 1',
      id,
      projectId,
    );
    return r ? toFlow(r) : undefined;
  }

  async getProjectById(id: string) {
    const r = await this.get('SELECT * FROM projects WHERE id = ?', id);
    return r ? toProject(r) : undefined;
  }

  #origins: { at: number; set: Set<string> } | undefined;

  async isAllowedOrigin(origin: string) {
    // Read again at most every ten seconds: preflights are many, changed lists are rare.
    if (!this.#origins || Date.now() - this.#origins.at > 10_000) {
      const rows = await this.all('SELECT allowed_origins FROM projects WHERE allowed_origins IS NOT NULL');
      const set = new Set(rows.flatMap((r) => JSON.parse(str(r.allowed_origins)) as string[]));
      this.#origins = { at: Date.now(), set };
    }
    return this.#origins.set.has(origin);
  }

  async listProjectFlows(projectId: string) {
    return (await this.all('SELECT * FROM project_flows WHERE project_id = ? ORDER BY id', projectId)).map(
      toFlow,
    );
  }

  async listFlows(clientId: string, q: PageQuery & { projectId?: string }) {
    const where = ['client_id = ?'];
    const args: Arg[] = [clientId];
    if (q.projectId) where.push('project_id = ?') && args.push(q.projectId);
    return this.page('project_flows', where, args, q, toFlow, '*', LIST_COLUMNS.project_flows);
  }

  async updateFlow(f: ProjectFlow) {
    await this.run(
      `UPDATE project_flows SET type = ?, status = ?, name = ?, liveness_min_score = ?, search_mode = ?,
        search_min_score = ?, max_attempts = ?, retain_face_images = ?, redirect_url = ?, webhook_url = ?,
        allowed_redirect_origins = ?, public = ?, login_match = ?, collection_id = ?, liveness_mode = ?, updated_at = ?
        WHERE id = ?`,
      ...this.flowArgs(f),
      f.id,
    );
  }

  async createCollection(c: Collection) {
    await this.run(
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
    const r = await this.get('SELECT * FROM collections WHERE id = ? AND client_id = ?', id, clientId);
    return r ? toCollection(r) : undefined;
  }

  async listCollections(clientId: string, q: PageQuery & { projectId?: string }) {
    const where = ['client_id = ?'];
    const args: Arg[] = [clientId];
    if (q.projectId) where.push('project_id = ?') && args.push(q.projectId);
    return this.page('collections', where, args, q, toCollection, '*', LIST_COLUMNS.collections);
  }

  async findCollectionByCode(clientId: string, code: string) {
    const r = await this.get('SELECT * FROM collections WHERE code = ? AND client_id = ?', code, clientId);
    return r ? toCollection(r) : undefined;
  }

  async updateCollection(c: Collection) {
    await this.run(
      'UPDATE collections SET name = ?, description = ?, version = version + 1, updated_at = ? WHERE id = ?',
      c.name,
      n(c.description),
      c.updatedAt,
      c.id,
    );
  }

  async countPersons(collectionId: string) {
    return Number(
      (await this.get('SELECT COUNT(*) AS n FROM persons WHERE collection_id = ?', collectionId))?.n ?? 0,
    );
  }

  async flowsUsingCollection(collectionId: string) {
    return (
      await this.all('SELECT id FROM project_flows WHERE collection_id = ? ORDER BY id', collectionId)
    ).map((r) => str(r.id));
  }

  async liveValidationsInCollection(collectionId: string, now: string) {
    return (
      await this.all(
        `SELECT id FROM biometric_validations WHERE collection_id = ? AND status IN ('new', 'awaiting_2fa')
           AND expires_at > ? ORDER BY id LIMIT 10`,
        collectionId,
        now,
      )
    ).map((r) => str(r.id));
  }

  async getPerson(clientId: string, id: string) {
    const r = await this.get(
      `SELECT ${PERSON_SELECT} FROM persons p WHERE p.id = ? AND p.client_id = ?`,
      id,
      clientId,
    );
    return r ? toPerson(r) : undefined;
  }

  async findPersonByIdentifier(collectionId: string, identifier: string) {
    const r = await this.get(
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
    const res = await this.page('persons p', where, args, q, toPerson, PERSON_SELECT, LIST_COLUMNS.persons);
    return res as Page<Person & PersonCounts>;
  }

  async savePerson(p: Person, face?: { templates: StoredTemplate[]; replace: boolean }) {
    const profile = p.profile ?? {};
    const fields: Arg[] = [
      n(profile.name),
      n(profile.gender),
      n(profile.dateOfBirth),
      n(profile.nationality),
      n(profile.notes),
      p.updatedAt,
    ];
    const stmts: Stmt[] = [];
    if (face?.replace === false)
      stmts.push([
        `INSERT INTO persons (id, client_id, project_id, collection_id, identifier, name, gender, date_of_birth,
           nationality, notes, updated_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        p.id,
        p.clientId,
        p.projectId,
        p.collectionId,
        p.identifier,
        ...fields,
        p.createdAt,
      ]);
    else
      stmts.push([
        `UPDATE persons SET name = ?, gender = ?, date_of_birth = ?, nationality = ?, notes = ?, updated_at = ?
         WHERE id = ?`,
        ...fields,
        p.id,
      ]);
    if (face) {
      if (face.replace)
        stmts.push(
          ['DELETE FROM templates WHERE person_id = ?', p.id],
          ['DELETE FROM face_images WHERE person_id = ?', p.id],
        );
      stmts.push(
        ...face.templates.map((t) => this.insertTemplate(t)),
        ...this.indexNotice(p.collectionId, p.id),
      );
    }
    await this.transaction((x) => runEach(x, stmts));
  }

  async allTemplates(): Promise<StoredTemplate[]> {
    return (await this.all('SELECT * FROM templates ORDER BY created_at, id')).map(toTemplate);
  }

  async templateRefs(): Promise<TemplateRef[]> {
    return (
      await this.all('SELECT id, person_id, collection_id, model FROM templates ORDER BY created_at, id')
    ).map((r) => ({
      id: str(r.id),
      personId: str(r.person_id),
      collectionId: str(r.collection_id),
      model: str(r.model),
    }));
  }

  async collectionSearchModels(): Promise<Map<string, string>> {
    const rows = await this.all('SELECT id, search_model FROM collections WHERE search_model IS NOT NULL');
    return new Map(rows.map((r) => [str(r.id), str(r.search_model)]));
  }

  async setCollectionSearchModel(collectionId: string, model: string | null): Promise<boolean> {
    return (await this.run('UPDATE collections SET search_model = ? WHERE id = ?', model, collectionId)) > 0;
  }

  async templateModelCounts(): Promise<TemplateModelCount[]> {
    const collections = await this.all(
      `SELECT c.id, c.search_model, (SELECT COUNT(*) FROM persons p WHERE p.collection_id = c.id) AS persons
       FROM collections c ORDER BY c.created_at, c.id`,
    );
    const counts = await this.all(
      'SELECT collection_id, model, COUNT(DISTINCT person_id) AS persons FROM templates GROUP BY collection_id, model',
    );
    return collections.map((c) => ({
      collectionId: str(c.id),
      searchModel: c.search_model == null ? null : str(c.search_model),
      persons: Number(c.persons),
      models: Object.fromEntries(
        counts.filter((r) => r.collection_id === c.id).map((r) => [str(r.model), Number(r.persons)]),
      ),
    }));
  }

  async personTemplates(personId: string): Promise<StoredTemplate[]> {
    return (
      await this.all('SELECT * FROM templates WHERE person_id = ? ORDER BY created_at, id', personId)
    ).map(toTemplate);
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

  protected insertValidation(v: BiometricValidation): Stmt {
    return [
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
    ];
  }

  /** Records an idempotency key unless it is there already (then it changes no row). */
  protected insertIdempotencyKey(
    idem: { clientId: string; key: string; bodyHash: string; response: string },
    at: string,
  ): Stmt {
    return [
      `INSERT INTO idempotency_keys (client_id, idem_key, body_hash, response, created_at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (client_id, idem_key) DO NOTHING`,
      idem.clientId,
      idem.key,
      idem.bodyHash,
      idem.response,
      at,
    ];
  }

  async createValidation(v: BiometricValidation) {
    await this.run(...this.insertValidation(v));
  }

  async getValidation(id: string) {
    const r = await this.get('SELECT * FROM biometric_validations WHERE id = ?', id);
    return r ? toValidation(r) : undefined;
  }

  async listValidations(
    clientId: string,
    q: PageQuery & { projectId?: string; status?: ValidationStatus; now: string },
  ) {
    const where = ['client_id = ?'];
    const args: Arg[] = [clientId];
    if (q.projectId) where.push('project_id = ?') && args.push(q.projectId);
    const statuses = [
      ...(q.status ? [[q.status]] : []),
      ...(q.where ?? []).filter((f) => f.field === 'status').map((f) => f.values),
    ];
    for (const values of statuses) {
      const c = effectiveStatusIn(values, q.now);
      where.push(c.sql);
      args.push(...c.args);
    }
    const rest = { ...q, where: (q.where ?? []).filter((f) => f.field !== 'status') };
    return this.page(
      'biometric_validations',
      where,
      args,
      rest,
      toValidation,
      '*',
      LIST_COLUMNS.biometric_validations,
    );
  }

  private insertTemplate(t: StoredTemplate): Stmt {
    return [
      'INSERT INTO templates (id, person_id, collection_id, model, template, created_at) VALUES (?, ?, ?, ?, ?, ?)',
      t.id,
      t.personId,
      t.collectionId,
      t.model,
      this.blob(t.template),
      t.createdAt,
    ];
  }

  private enrolment(e: Enrolment): Stmt[] {
    const out: Stmt[] = [];
    if (e.replacePersonId) {
      out.push(
        ['DELETE FROM templates WHERE person_id = ?', e.replacePersonId],
        ['DELETE FROM face_images WHERE person_id = ?', e.replacePersonId],
        ['UPDATE persons SET updated_at = ? WHERE id = ?', e.person.updatedAt, e.replacePersonId],
      );
    } else {
      const p = e.person;
      out.push([
        `INSERT INTO persons (id, client_id, project_id, collection_id, identifier, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
        p.id,
        p.clientId,
        p.projectId,
        p.collectionId,
        p.identifier,
        p.createdAt,
        p.updatedAt,
      ]);
    }
    out.push(...e.templates.map((t) => this.insertTemplate(t)));
    if (e.image) {
      const i = e.image;
      out.push([
        'INSERT INTO face_images (id, person_id, mime, image, created_at) VALUES (?, ?, ?, ?, ?)',
        i.id,
        i.personId,
        i.mime,
        this.blob(i.image),
        i.createdAt,
      ]);
    }
    out.push(...this.indexNotice(e.person.collectionId, e.person.id));
    return out;
  }

  /** A person's templates of the refreshed models replaced; nothing written for a person deleted meanwhile. */
  private refresh(r: TemplateRefresh): Stmt[] {
    const out: Stmt[] = [];
    for (const t of r.templates) {
      out.push(
        ['DELETE FROM templates WHERE person_id = ? AND model = ?', r.personId, t.model],
        [
          `INSERT INTO templates (id, person_id, collection_id, model, template, created_at)
           SELECT ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM persons WHERE id = ?)`,
          t.id,
          t.personId,
          t.collectionId,
          t.model,
          this.blob(t.template),
          t.createdAt,
          r.personId,
        ],
      );
    }
    out.push(...this.indexNotice(r.collectionId, r.personId));
    return out;
  }

  private holdEnrolment(validationId: string, e: Enrolment): Stmt[] {
    const { person: p, image: i } = e;
    return [
      [
        `INSERT INTO held_enrolments (validation_id, person_id, client_id, project_id, collection_id, identifier,
          image_id, image_mime, image, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        validationId,
        p.id,
        p.clientId,
        p.projectId,
        p.collectionId,
        p.identifier,
        n(i?.id),
        n(i?.mime),
        i ? this.blob(i.image) : null,
        e.person.createdAt,
      ],
      ...e.templates.map(
        (t): Stmt => [
          'INSERT INTO held_templates (validation_id, template_id, model, template) VALUES (?, ?, ?, ?)',
          validationId,
          t.id,
          t.model,
          this.blob(t.template),
        ],
      ),
    ];
  }

  async getHeldEnrolment(validationId: string) {
    const r = await this.get('SELECT * FROM held_enrolments WHERE validation_id = ?', validationId);
    if (!r) return undefined;
    const templates = await this.all(
      'SELECT * FROM held_templates WHERE validation_id = ? ORDER BY model',
      validationId,
    );
    return toHeldEnrolment(r, templates);
  }

  private events(events: NewOutboxEvent[] | undefined, at: string): Stmt[] {
    return (events ?? []).map((e) => [
      `INSERT INTO webhook_outbox (id, project_id, event_type, url, payload, status, attempts, next_attempt_at, created_at)
         VALUES (?, ?, ?, ?, ?, 'pending', 0, ?, ?)`,
      objectId(),
      e.projectId,
      e.eventType,
      e.url,
      JSON.stringify(e.payload),
      at,
      at,
    ]);
  }

  protected mails(mails: NewMail[] | undefined, at: string): Stmt[] {
    return (mails ?? []).map((m) => [INSERT_MAIL, ...insertMailArgs(objectId(), m, at)]);
  }

  private writeAppRegistration(r: AppRegistration): Stmt {
    return [
      `UPDATE app_registrations SET status = ?, os = ?, person_id = ?, validation_id = ?, collection_id = ?, updated_at = ?,
        email = ?, country_code = ?, phone = ?, full_name = ?, first_name = ?, last_name = ?, language = ?,
        agreements = ?, extra_fields = ?, current_step = ?, liveness_score = ?, validated_at = ?
       WHERE id = ?`,
      r.status,
      n(r.os),
      n(r.personId),
      n(r.validationId),
      n(r.collectionId),
      r.updatedAt,
      ...this.registrationProfile(r),
      r.id,
    ];
  }

  /** The columns of a registration the end user's app fills in and its enrolment sets. */
  private registrationProfile(r: AppRegistration): Arg[] {
    return [
      n(r.email),
      n(r.countryCode),
      n(r.phone),
      n(r.fullName),
      n(r.firstName),
      n(r.lastName),
      n(r.language),
      r.agreements === undefined ? null : r.agreements ? 1 : 0,
      r.extraFields ? JSON.stringify(r.extraFields) : null,
      n(r.currentStep),
      n(r.livenessScore),
      n(r.validatedAt),
    ];
  }

  async saveValidation(
    v: BiometricValidation,
    extra: {
      enrolment?: Enrolment;
      refresh?: TemplateRefresh;
      events?: NewOutboxEvent[];
      appRegistration?: AppRegistration;
      mails?: NewMail[];
      consumeCode?: boolean;
      holdEnrolment?: Enrolment;
    } = {},
  ) {
    return this.transaction((x) =>
      after(
        x.run(
          `UPDATE biometric_validations SET session_status = ?, status = ?, person_id = ?, liveness_score = ?, attempts = ?,
          liveness_results = ?, comparison_results = ?, result = ?, completed_at = ?, updated_at = ?, version = ?
         WHERE id = ? AND version = ?`,
          ...this.validationArgs(v),
          v.id,
          v.version - 1,
        ),
        (changed) => {
          if (changed === 0) return false;
          const stmts: Stmt[] = [];
          if (extra.enrolment) stmts.push(...this.enrolment(extra.enrolment));
          if (extra.refresh) stmts.push(...this.refresh(extra.refresh));
          if (extra.holdEnrolment) stmts.push(...this.holdEnrolment(v.id, extra.holdEnrolment));
          // A final validation holds nothing: a code that never came enrols nobody, later either.
          if (v.status !== 'new' && v.status !== 'awaiting_2fa')
            stmts.push(['DELETE FROM held_enrolments WHERE validation_id = ?', v.id]);
          if (extra.appRegistration) stmts.push(this.writeAppRegistration(extra.appRegistration));
          stmts.push(...this.events(extra.events, v.updatedAt), ...this.mails(extra.mails, v.updatedAt));
          if (extra.consumeCode)
            stmts.push([
              'UPDATE two_factor_codes SET consumed_at = ? WHERE validation_id = ?',
              v.updatedAt,
              v.id,
            ]);
          return after(runEach(x, stmts), () => true);
        },
      ),
    );
  }

  async createAppRegistration(r: AppRegistration) {
    await this.run(
      `INSERT INTO app_registrations (id, client_id, project_id, flow_id, status, os, collection_id, expires_at,
        created_at, updated_at, email, country_code, phone, full_name, first_name, last_name, language, agreements,
        extra_fields, current_step, liveness_score, validated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      r.id,
      r.clientId,
      r.projectId,
      r.flowId,
      r.status,
      n(r.os),
      n(r.collectionId),
      r.expiresAt,
      r.createdAt,
      r.updatedAt,
      ...this.registrationProfile(r),
    );
  }

  async getAppRegistration(id: string) {
    const r = await this.get('SELECT * FROM app_registrations WHERE id = ?', id);
    return r ? toAppRegistration(r) : undefined;
  }

  async saveAppRegistration(r: AppRegistration, extra: { enrolment?: Enrolment; events?: NewOutboxEvent[] }) {
    await this.transaction((x) =>
      runEach(x, [
        ...(extra.enrolment ? this.enrolment(extra.enrolment) : []),
        this.writeAppRegistration(r),
        ...this.events(extra.events, r.updatedAt),
      ]),
    );
  }

  async getIdempotent(clientId: string, key: string) {
    const r = await this.get(
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

  async recordDelivery(
    e: OutboxEvent,
    d: { statusCode?: number; error?: string; durationMs: number; at: string },
    outcome: { status: OutboxEvent['status']; nextAttemptAt: string },
  ) {
    const attempt = e.attempts + 1;
    return this.transaction((x) =>
      after(
        x.run(
          `INSERT INTO webhook_deliveries (id, outbox_id, attempt, status_code, error, duration_ms, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
          objectId(),
          e.id,
          attempt,
          d.statusCode ?? null,
          n(d.error),
          Math.round(d.durationMs),
          d.at,
        ),
        () =>
          after(
            x.run(
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
            ),
            (kept) => kept > 0,
          ),
      ),
    );
  }

  async pendingOutboxCount() {
    return Number(
      (await this.get("SELECT COUNT(*) AS n FROM webhook_outbox WHERE status = 'pending'"))?.n ?? 0,
    );
  }

  async listDeliveries(outboxId: string) {
    return (
      await this.all('SELECT * FROM webhook_deliveries WHERE outbox_id = ? ORDER BY attempt', outboxId)
    ).map((r) => ({
      attempt: Number(r.attempt),
      statusCode: opt(r.status_code as number | null),
      error: optStr(r.error),
    }));
  }

  async recordMail(
    m: Mail,
    outcome: { status: MailStatus; nextAttemptAt: string; error?: string; at: string },
  ) {
    const kept = await this.run(
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

  async putTwoFactorCode(c: TwoFactorCode) {
    await this.run(PUT_CODE, c.validationId, c.hash, c.salt, c.attempts, c.expiresAt, c.createdAt);
  }

  async getTwoFactorCode(validationId: string) {
    const r = await this.get('SELECT * FROM two_factor_codes WHERE validation_id = ?', validationId);
    return r ? toTwoFactorCode(r) : undefined;
  }

  async countCodeAttempt(validationId: string, max: number) {
    const r = await this.get(COUNT_CODE_ATTEMPT, validationId, max);
    return r ? Number(r.attempts) : undefined;
  }

  async issueChallenge(c: LivenessChallenge, limit: number) {
    return this.transaction((x) =>
      after(x.get(COUNT_CHALLENGES, c.subjectId), (r) => {
        if (Number(r?.issued ?? 0) >= limit) return false;
        return after(
          runEach(x, [
            [CLOSE_OPEN_CHALLENGES, c.issuedAt, c.subjectId],
            [INSERT_CHALLENGE, ...challengeArgs(c)],
          ]),
          () => true,
        );
      }),
    );
  }

  async getChallenge(id: string) {
    const r = await this.get('SELECT * FROM liveness_challenges WHERE id = ?', id);
    return r ? toChallenge(r) : undefined;
  }

  async closeChallenge(id: string, at: string) {
    return (await this.run(CLOSE_CHALLENGE, at, id)) === 1;
  }
}
