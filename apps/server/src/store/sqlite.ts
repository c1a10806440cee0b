import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DatabaseSync, type SQLInputValue } from 'node:sqlite';
import { CLAIM_MAIL, toMail } from './mail-rows.js';
import { migrationFiles, optStr, type Row, str, toOutbox, toTemplate } from './rows.js';
import { type Arg, CLAIM_OUTBOX, type Executor, SqlStore } from './sql-store.js';
import type {
  BiometricValidation,
  MailStatus,
  NewMail,
  PersonCounts,
  Store,
  StoredTemplate,
} from './types.js';

/** SQLite store on Node's built-in node:sqlite, in WAL mode. Calls are synchronous underneath. */
export class SqliteStore extends SqlStore implements Store {
  readonly dialect = 'sqlite';
  readonly db: DatabaseSync;
  private readonly stmts = new Map<string, ReturnType<DatabaseSync['prepare']>>();
  /** The primitives, for the shared code's transactions: one connection, so the same statements. */
  private readonly sync: Executor = {
    run: (sql, ...args) => this.run(sql, ...args),
    get: (sql, ...args) => this.get(sql, ...args),
    all: (sql, ...args) => this.all(sql, ...args),
  };

  constructor(readonly file: string) {
    super();
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

  protected all(sql: string, ...args: Arg[]): Row[] {
    return this.q(sql).all(...(args as SQLInputValue[])) as Row[];
  }

  protected get(sql: string, ...args: Arg[]): Row | undefined {
    return this.q(sql).get(...(args as SQLInputValue[])) as Row | undefined;
  }

  protected run(sql: string, ...args: Arg[]): number {
    return Number(this.q(sql).run(...(args as SQLInputValue[])).changes);
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

  protected transaction<T>(fn: (x: Executor) => T | Promise<T>): T {
    return this.tx(() => {
      const out = fn(this.sync);
      // The primitives are synchronous, so the shared code never yields; if it did, COMMIT would come too early.
      if (out instanceof Promise) throw new Error('SQLite transaction body must be synchronous');
      return out;
    });
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

  async close() {
    this.stmts.clear();
    if (this.db.isOpen) this.db.close();
  }

  private deletePersonRows(personIds: string[]): PersonCounts {
    let templates = 0;
    let faceImages = 0;
    for (const id of personIds) {
      templates += this.run('DELETE FROM templates WHERE person_id = ?', id);
      faceImages += this.run('DELETE FROM face_images WHERE person_id = ?', id);
      this.run('DELETE FROM persons WHERE id = ?', id);
    }
    return { templates, faceImages };
  }

  async deleteCollection(id: string) {
    return this.tx(() => {
      const ids = this.all('SELECT id FROM persons WHERE collection_id = ?', id).map((r) => str(r.id));
      const counts = this.deletePersonRows(ids);
      this.run('DELETE FROM held_enrolments WHERE collection_id = ?', id);
      this.run('DELETE FROM collections WHERE id = ?', id);
      return { persons: ids.length, ...counts };
    });
  }

  async deletePerson(id: string) {
    return this.tx(() => this.deletePersonRows([id]));
  }

  async templatesByIds(ids: string[]): Promise<StoredTemplate[]> {
    const out: StoredTemplate[] = [];
    for (const id of ids) {
      const r = this.get('SELECT * FROM templates WHERE id = ?', id);
      if (r) out.push(toTemplate(r));
    }
    return out;
  }

  /** One process owns a SQLite file: no other instance changes the persons behind its back. */
  async watchIndex() {
    return async () => {};
  }

  /** One process: the in-process queue of `Faces.exclusive` already serialises its enrolments. */
  async enrolling<T>(_collectionId: string, fn: (store: Store) => Promise<T>): Promise<T> {
    return fn(this);
  }

  /** One process: its index saw every template as it was written. */
  async templatesAddedSince(): Promise<StoredTemplate[]> {
    return [];
  }

  async createValidationIdempotent(
    v: BiometricValidation,
    idem?: { clientId: string; key: string; bodyHash: string; response: string },
    mails?: NewMail[],
  ) {
    return this.tx(() => {
      if (idem && this.run(...this.insertIdempotencyKey(idem, v.createdAt)) === 0) return false;
      this.run(...this.insertValidation(v));
      for (const m of this.mails(mails, v.createdAt)) this.run(...m);
      return true;
    });
  }

  async claimOutbox(now: string, until: string, limit: number, owner: string) {
    // BEGIN IMMEDIATE takes the write lock first, so even two processes on one file claim apart.
    return this.tx(() => this.all(CLAIM_OUTBOX, until, owner, now, now, limit).map(toOutbox));
  }

  async claimMail(now: string, until: string, limit: number, owner: string) {
    return this.tx(() => this.all(CLAIM_MAIL, until, owner, now, now, limit).map(toMail));
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
}
