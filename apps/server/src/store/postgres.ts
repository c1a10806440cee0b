import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { CLAIM_MAIL, toMail } from './mail-rows.js';
import { migrationFiles, optStr, type Row, str, toOutbox, toTemplate } from './rows.js';
import { type Arg, type Awaitable, CLAIM_OUTBOX, type Executor, SqlStore, type Stmt } from './sql-store.js';
import type {
  BiometricValidation,
  IndexWatcher,
  Mail,
  MailStatus,
  NewMail,
  PersonCounts,
  Store,
  StoredTemplate,
} from './types.js';

/** The channel on which every instance announces enrolments and deletions (payload: {o, c, p}). */
export const INDEX_CHANNEL = 'faceproof_index';
/** application_name of the LISTEN connections, to tell them apart in pg_stat_activity. */
export const LISTEN_APPLICATION = 'faceproof-listen';
// Advisory lock keys ("Face" and "Keys" in ASCII): one migrator at a time, one key rotation at a time;
// "Enrl" with a hash of the collection id: one enrolment per collection at a time.
const MIGRATION_LOCK = 0x46616365;
const ROTATION_LOCK = 0x4b657973;
const ENROLMENT_LOCK = 0x456e726c;

type Db = pg.Pool | pg.PoolClient;

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

// The shared claim queries, made to skip rows another instance is claiming at this moment.
function skipLocked(sql: string) {
  const out = sql.replace(/LIMIT \?\)/, 'LIMIT ? FOR UPDATE SKIP LOCKED)');
  if (out === sql) throw new Error('a claim query no longer ends its subquery with LIMIT ?)');
  return out;
}
const CLAIM_MAIL_PG = skipLocked(CLAIM_MAIL);
const CLAIM_OUTBOX_PG = skipLocked(CLAIM_OUTBOX);

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
export class PgStore extends SqlStore implements Store {
  readonly dialect = 'postgres';
  readonly pool: pg.Pool;
  /** Marks this store's own notices, which its own process has applied already. */
  readonly origin = randomUUID();

  constructor(
    readonly url: string,
    opts: { max?: number } = {},
  ) {
    super();
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

  private async allOn(db: Db, sql: string, ...args: Arg[]): Promise<Row[]> {
    return (await db.query({ ...prepared(sql), values: args })).rows;
  }

  private async getOn(db: Db, sql: string, ...args: Arg[]): Promise<Row | undefined> {
    return (await this.allOn(db, sql, ...args))[0];
  }

  private async runOn(db: Db, sql: string, ...args: Arg[]): Promise<number> {
    return (await db.query({ ...prepared(sql), values: args })).rowCount ?? 0;
  }

  protected all(sql: string, ...args: Arg[]) {
    return this.allOn(this.pool, sql, ...args);
  }

  protected get(sql: string, ...args: Arg[]) {
    return this.getOn(this.pool, sql, ...args);
  }

  protected run(sql: string, ...args: Arg[]) {
    return this.runOn(this.pool, sql, ...args);
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

  protected transaction<T>(fn: (x: Executor) => Awaitable<T>): Promise<T> {
    return this.tx(async (c) =>
      fn({
        run: (sql, ...args) => this.runOn(c, sql, ...args),
        get: (sql, ...args) => this.getOn(c, sql, ...args),
        all: (sql, ...args) => this.allOn(c, sql, ...args),
      }),
    );
  }

  /** node-postgres sends a Buffer as bytea; a plain Uint8Array it would not. */
  protected blob(b: Uint8Array) {
    return Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  }

  /** Delivered to the other instances' listeners when the transaction commits. */
  protected indexNotice(collectionId: string, personId?: string): Stmt[] {
    const payload = JSON.stringify({ o: this.origin, c: collectionId, ...(personId ? { p: personId } : {}) });
    return [['SELECT pg_notify(?, ?)', INDEX_CHANNEL, payload]];
  }

  protected rotationLock(): Stmt[] {
    return [['SELECT pg_advisory_xact_lock(?)', ROTATION_LOCK]];
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

  async close() {
    await this.pool.end();
  }

  /** Announces a change of the persons of a collection; delivered to listeners when `c` commits. */
  private async notify(c: pg.PoolClient, collectionId: string, personId?: string) {
    for (const [sql, ...args] of this.indexNotice(collectionId, personId)) await this.runOn(c, sql, ...args);
  }

  async deleteCollection(id: string) {
    return this.tx(async (c) => {
      const persons = await this.runOn(c, 'SELECT id FROM persons WHERE collection_id = ? FOR UPDATE', id);
      const templates = await this.runOn(c, 'DELETE FROM templates WHERE collection_id = ?', id);
      const faceImages = await this.runOn(
        c,
        'DELETE FROM face_images WHERE person_id IN (SELECT id FROM persons WHERE collection_id = ?)',
        id,
      );
      await this.runOn(c, 'DELETE FROM persons WHERE collection_id = ?', id);
      await this.runOn(c, 'DELETE FROM held_enrolments WHERE collection_id = ?', id);
      await this.runOn(c, 'DELETE FROM collections WHERE id = ?', id);
      await this.notify(c, id);
      return { persons, templates, faceImages };
    });
  }

  async deletePerson(id: string): Promise<PersonCounts> {
    return this.tx(async (c) => {
      const person = await this.getOn(c, 'SELECT collection_id FROM persons WHERE id = ? FOR UPDATE', id);
      const templates = await this.runOn(c, 'DELETE FROM templates WHERE person_id = ?', id);
      const faceImages = await this.runOn(c, 'DELETE FROM face_images WHERE person_id = ?', id);
      await this.runOn(c, 'DELETE FROM persons WHERE id = ?', id);
      if (person) await this.notify(c, str(person.collection_id), id);
      return { templates, faceImages };
    });
  }

  /**
   * The enrolment lock of a collection across instances: `pg_advisory_xact_lock` on one connection
   * in a transaction, and `fn` given this store bound to that transaction (its own transactions
   * become savepoints), so what `fn` reads is what the previous holder committed and what it writes
   * commits as the lock is released. Each store call inside is atomic on its own, so what `fn` saved
   * is committed even when it then throws (a refusal that counted a failed attempt).
   */
  async enrolling<T>(collectionId: string, fn: (store: Store) => Promise<T>): Promise<T> {
    const outcome = await this.tx(async (c) => {
      await c.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [ENROLMENT_LOCK, collectionId]);
      try {
        return { value: await fn(this.boundTo(c)) };
      } catch (error) {
        return { error };
      }
    });
    if ('error' in outcome) throw outcome.error;
    return outcome.value;
  }

  /** This store with every statement on `c`, inside the transaction `c` is in. */
  private boundTo(c: pg.PoolClient): PgStore {
    const bound = Object.create(this) as PgStore;
    bound.run = (sql, ...args) => this.runOn(c, sql, ...args);
    bound.get = (sql, ...args) => this.getOn(c, sql, ...args);
    bound.all = (sql, ...args) => this.allOn(c, sql, ...args);
    bound.tx = async (fn) => {
      await c.query('SAVEPOINT bound');
      try {
        const out = await fn(c);
        await c.query('RELEASE SAVEPOINT bound');
        return out;
      } catch (err) {
        await c.query('ROLLBACK TO SAVEPOINT bound');
        throw err;
      }
    };
    bound.enrolling = async (collectionId, fn) => {
      await c.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [ENROLMENT_LOCK, collectionId]);
      return fn(bound);
    };
    return bound;
  }

  async templatesAddedSince(collectionId: string, seq: number): Promise<StoredTemplate[]> {
    return (
      await this.all(
        'SELECT * FROM templates WHERE collection_id = ? AND seq > ? ORDER BY seq',
        collectionId,
        seq,
      )
    ).map(toTemplate);
  }

  async templatesByIds(ids: string[]): Promise<StoredTemplate[]> {
    if (!ids.length) return [];
    return (
      await this.all('SELECT * FROM templates WHERE id = ANY(?::text[]) ORDER BY created_at, id', ids)
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

  async createValidationIdempotent(
    v: BiometricValidation,
    idem?: { clientId: string; key: string; bodyHash: string; response: string },
    mails?: NewMail[],
  ) {
    if (!idem && !mails?.length) {
      await this.run(...this.insertValidation(v));
      return true;
    }
    return this.tx(async (c) => {
      // A concurrent insert of the same key (on any instance) waits here for the first to commit.
      if (idem && (await this.runOn(c, ...this.insertIdempotencyKey(idem, v.createdAt))) === 0) return false;
      await this.runOn(c, ...this.insertValidation(v));
      for (const m of this.mails(mails, v.createdAt)) await this.runOn(c, ...m);
      return true;
    });
  }

  async claimOutbox(now: string, until: string, limit: number, owner: string) {
    // SKIP LOCKED: an instance never waits for, nor takes, the rows another is claiming right now.
    return (await this.all(CLAIM_OUTBOX_PG, until, owner, now, now, limit)).map(toOutbox);
  }

  async claimMail(now: string, until: string, limit: number, owner: string): Promise<Mail[]> {
    return (await this.all(CLAIM_MAIL_PG, until, owner, now, now, limit)).map(toMail);
  }

  async linkMailStatus(validationIds: string[]) {
    const out = new Map<string, { status: MailStatus; sentAt?: string }>();
    if (!validationIds.length) return out;
    const rows = await this.all(
      "SELECT validation_id, status, sent_at FROM mail_outbox WHERE kind = 'link' AND validation_id = ANY(?::text[])",
      validationIds,
    );
    for (const r of rows)
      out.set(str(r.validation_id), { status: r.status as MailStatus, sentAt: optStr(r.sent_at) });
    return out;
  }
}
