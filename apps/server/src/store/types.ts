/**
 * The storage contract of the server, implemented by SQLite (node:sqlite, one instance) and
 * PostgreSQL (pg, several instances on one database). Nothing here is dialect-specific and every
 * method is async. Each method that changes several rows runs them in one transaction.
 */

import type {
  AppRegistration,
  BiometricValidation,
  Collection,
  Enrolment,
  LivenessChallenge,
  NewMail,
  NewOutboxEvent,
  Person,
  PersonCounts,
  Project,
  ProjectFlow,
  StoredTemplate,
  TemplateRefresh,
  TwoFactorCode,
  ValidationStatus,
} from '../flows/types.js';

// The domain types live with the flows; they are re-exported for the store's other users.
export type * from '../flows/types.js';

export interface Client {
  id: string;
  name: string;
  createdAt: string;
}

export interface ClientToken {
  jti: string;
  clientId: string;
  createdAt: string;
  expiresAt: string;
  revokedAt?: string;
}

export interface SigningKey {
  kid: string;
  privateJwk: string;
  publicJwk: string;
  createdAt: string;
  retiredAt?: string;
}

export interface OutboxEvent {
  id: string;
  projectId: string;
  eventType: string;
  url: string;
  payload: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  nextAttemptAt: string;
  lastError?: string;
  createdAt: string;
  deliveredAt?: string;
  /** The lease of the instance delivering it; nobody else claims it before then. */
  claimedUntil?: string;
  claimedBy?: string;
}

export interface Page<T> {
  items: T[];
  total: number;
}

export interface PageQuery {
  page: number;
  limit: number;
  /** A field of the listed items (`_id`, `createdAt`…); newest first when absent. */
  sort?: { field: string; desc: boolean };
  /** Each keeps the records whose field is one of the values. */
  where?: { field: string; values: string[] }[];
}

/** A template without its bytes: what the index reconciliation compares. */
export interface TemplateRef {
  id: string;
  personId: string;
  collectionId: string;
  model: string;
}

/** How many persons of a collection have a template of a model (the operator's migration report). */
export interface TemplateModelCount {
  collectionId: string;
  /** The collection's search model; null: the engine's own. */
  searchModel: string | null;
  persons: number;
  /** model id → persons with at least one template of it. */
  models: Record<string, number>;
}

/**
 * A change to the persons of a collection, committed by some instance: `personId` when one person
 * was enrolled, replaced or deleted (read its templates to know which), none when the whole
 * collection was deleted.
 */
export interface IndexChange {
  collectionId: string;
  personId?: string;
}

export interface IndexWatcher {
  onChange(change: IndexChange): void;
  /** Changes may have been missed (the listening connection was lost and is back): re-read everything. */
  onResync(): void;
}

export interface Store {
  /** `postgres` stores are shared by several instances; `sqlite` belongs to one process. */
  readonly dialect: 'sqlite' | 'postgres';
  migrate(): Promise<number>;
  ping(): Promise<void>;
  close(): Promise<void>;

  getSetting(name: string): Promise<string | undefined>;
  setSetting(name: string, value: string): Promise<void>;

  createClient(client: Client): Promise<void>;
  getClient(id: string): Promise<Client | undefined>;
  createClientToken(token: ClientToken): Promise<void>;
  getClientToken(jti: string): Promise<ClientToken | undefined>;
  revokeClientToken(jti: string, at: string): Promise<boolean>;

  listSigningKeys(): Promise<SigningKey[]>;
  /** Adds the new key and retires every other active key, in one transaction. */
  rotateSigningKey(key: SigningKey): Promise<void>;

  createProject(p: Project): Promise<void>;
  getProject(clientId: string, id: string): Promise<Project | undefined>;
  listProjects(clientId: string, q: PageQuery): Promise<Page<Project>>;
  updateProject(p: Project): Promise<void>;
  /** The webhook secret of a project, whoever owns it (for the webhook dispatcher). */
  getProjectSecret(projectId: string): Promise<string | undefined>;

  createFlow(f: ProjectFlow): Promise<void>;
  getFlow(clientId: string, id: string): Promise<ProjectFlow | undefined>;
  listFlows(clientId: string, q: PageQuery & { projectId?: string }): Promise<Page<ProjectFlow>>;
  updateFlow(f: ProjectFlow): Promise<void>;
  /** A public flow of a project, whoever owns it: what a browser may start without a client token. */
  getPublicFlow(projectId: string, id: string): Promise<ProjectFlow | undefined>;
  /** A project whoever owns it, for the public reads of its settings. */
  getProjectById(id: string): Promise<Project | undefined>;
  listProjectFlows(projectId: string): Promise<ProjectFlow[]>;
  /** Whether some project lists `origin` in its `allowedOrigins` (for CORS preflights). */
  isAllowedOrigin(origin: string): Promise<boolean>;

  createCollection(c: Collection): Promise<void>;
  getCollection(clientId: string, id: string): Promise<Collection | undefined>;
  listCollections(clientId: string, q: PageQuery & { projectId?: string }): Promise<Page<Collection>>;
  findCollectionByCode(clientId: string, code: string): Promise<Collection | undefined>;
  /** Saves the name, description and update time, and counts the update in `version`. */
  updateCollection(c: Collection): Promise<void>;
  countPersons(collectionId: string): Promise<number>;
  flowsUsingCollection(collectionId: string): Promise<string[]>;
  /** Validations that may still enrol into or search the collection (not final, not past expiry). */
  liveValidationsInCollection(collectionId: string, now: string): Promise<string[]>;
  /** Deletes the collection with its persons, templates and images; returns what was deleted. */
  deleteCollection(id: string): Promise<{ persons: number } & PersonCounts>;

  getPerson(clientId: string, id: string): Promise<(Person & PersonCounts) | undefined>;
  findPersonByIdentifier(collectionId: string, identifier: string): Promise<Person | undefined>;
  listPersons(
    clientId: string,
    q: PageQuery & { projectId?: string; collectionId?: string },
  ): Promise<Page<Person & PersonCounts>>;
  deletePerson(id: string): Promise<PersonCounts>;
  /**
   * Saves a person created or updated from photos, in one transaction: without `face` only the
   * profile changes; with it, a new person (`replace: false`) is inserted with its templates (one per stored model), or
   * the person's templates and images are replaced by it.
   */
  savePerson(p: Person, face?: { templates: StoredTemplate[]; replace: boolean }): Promise<void>;
  allTemplates(): Promise<StoredTemplate[]>;
  templateRefs(): Promise<TemplateRef[]>;
  templatesByIds(ids: string[]): Promise<StoredTemplate[]>;
  personTemplates(personId: string): Promise<StoredTemplate[]>;
  /** Collections whose search model is set (collection id → model id); the others search the engine's. */
  collectionSearchModels(): Promise<Map<string, string>>;
  /** Sets (or, with null, clears) the model a collection searches; false when there is no such collection. */
  setCollectionSearchModel(collectionId: string, model: string | null): Promise<boolean>;
  templateModelCounts(): Promise<TemplateModelCount[]>;
  /**
   * Tells `watcher` about persons enrolled or deleted by other instances (changes committed through
   * this store object are not reported). A store that no other instance shares never calls it.
   * Resolves to the function that stops watching.
   */
  watchIndex(watcher: IndexWatcher): Promise<() => Promise<void>>;

  createValidation(v: BiometricValidation): Promise<void>;
  getValidation(id: string): Promise<BiometricValidation | undefined>;
  listValidations(
    clientId: string,
    /** `status` (and a `status` filter) as presented: a `new` validation past its expiry at `now` is `expired`. */
    q: PageQuery & { projectId?: string; status?: ValidationStatus; now: string },
  ): Promise<Page<BiometricValidation>>;
  /**
   * Saves `v` only if the stored row still has `v.version - 1` (the claim that makes concurrent
   * attempts on one session safe), together with an optional enrolment and outbox events, in one
   * transaction. Returns false when another attempt changed the row first.
   */
  saveValidation(
    v: BiometricValidation,
    extra?: {
      enrolment?: Enrolment;
      /** Replaces the person's templates of the refreshed models (skipped if the person is gone). */
      refresh?: TemplateRefresh;
      events?: NewOutboxEvent[];
      appRegistration?: AppRegistration;
      /** Emails to send once this change is committed (mail_outbox, same transaction). */
      mails?: NewMail[];
      /** Marks the validation's one-time code used (the code was confirmed). */
      consumeCode?: boolean;
      /**
       * An enrolment kept until the validation's code is confirmed (`getHeldEnrolment`). Whatever is
       * held is deleted as soon as the validation is saved final (completed, failed or expired).
       */
      holdEnrolment?: Enrolment;
    },
  ): Promise<boolean>;
  /** The enrolment a `requires2FA` onboarding holds until its code is confirmed, if it holds one. */
  getHeldEnrolment(validationId: string): Promise<Enrolment | undefined>;

  /**
   * Runs `fn` holding the lock on enrolments into the collection that every instance sharing this
   * store respects, with `store` to read and write under it. PostgreSQL: a transaction-scoped
   * advisory lock, `fn`'s statements run in that transaction and commit with it (the lock goes with
   * the commit, or with the connection if the process dies). SQLite: one process owns the file, and
   * the in-process queue of `Faces.exclusive` is the lock, so `fn` runs as is.
   */
  enrolling<T>(collectionId: string, fn: (store: Store) => Promise<T>): Promise<T>;
  /**
   * The collection's templates written after `seq` (PostgreSQL's write order), for an instance to
   * catch up under the enrolment lock with what others committed. SQLite: none (one process).
   */
  templatesAddedSince(collectionId: string, seq: number): Promise<StoredTemplate[]>;

  createAppRegistration(r: AppRegistration): Promise<void>;
  getAppRegistration(id: string): Promise<AppRegistration | undefined>;
  /** Saves the registration with the enrolment and events in one transaction. */
  saveAppRegistration(
    r: AppRegistration,
    extra: { enrolment?: Enrolment; events?: NewOutboxEvent[] },
  ): Promise<void>;

  getIdempotent(
    clientId: string,
    key: string,
  ): Promise<{ bodyHash: string; response: string; createdAt: string } | undefined>;
  putIdempotent(clientId: string, key: string, bodyHash: string, response: string): Promise<void>;
  /** Writes the validation and its idempotency record in one transaction. */
  createValidationIdempotent(
    v: BiometricValidation,
    idem?: { clientId: string; key: string; bodyHash: string; response: string },
    /** Emails to send (the capture link), written in the same transaction. */
    mails?: NewMail[],
  ): Promise<boolean>;

  /**
   * Claims up to `limit` pending events due at `now` that nobody holds a live claim on, for `owner`
   * until `until`, atomically (two instances never claim one event at once). A crashed instance's
   * claims expire at their `until` and the events are claimed again.
   */
  claimOutbox(now: string, until: string, limit: number, owner: string): Promise<OutboxEvent[]>;
  /**
   * Logs the attempt and, if `event` (as claimed) still holds its claim, applies the outcome and
   * releases the claim. Returns false when the claim had expired and been taken over meanwhile.
   */
  recordDelivery(
    event: OutboxEvent,
    delivery: { statusCode?: number; error?: string; durationMs: number; at: string },
    outcome: { status: OutboxEvent['status']; nextAttemptAt: string },
  ): Promise<boolean>;
  pendingOutboxCount(): Promise<number>;
  listDeliveries(outboxId: string): Promise<{ attempt: number; statusCode?: number; error?: string }[]>;

  /** Like claimOutbox, for the mail outbox. */
  claimMail(now: string, until: string, limit: number, owner: string): Promise<Mail[]>;
  /** Applies the outcome of a send if `mail` (as claimed) still holds its claim, and releases it. */
  recordMail(
    mail: Mail,
    outcome: { status: MailStatus; nextAttemptAt: string; error?: string; at: string },
  ): Promise<boolean>;
  /** The state of the capture-link email of each of these validations that has one. */
  linkMailStatus(validationIds: string[]): Promise<Map<string, { status: MailStatus; sentAt?: string }>>;
  /** Stores the validation's new code (replacing the last one; its wrong-code count is kept). */
  putTwoFactorCode(code: TwoFactorCode): Promise<void>;
  getTwoFactorCode(validationId: string): Promise<TwoFactorCode | undefined>;
  /**
   * Counts one try at the validation's code, atomically, if fewer than `max` were made and the code
   * is unused. Returns the tries made including this one, or undefined when none was left.
   */
  countCodeAttempt(validationId: string, max: number): Promise<number | undefined>;

  /**
   * Issues a challenge, closing the subject's open ones in the same transaction; false (nothing
   * written) when the subject already had `limit` challenges.
   */
  issueChallenge(c: LivenessChallenge, limit: number): Promise<boolean>;
  getChallenge(id: string): Promise<LivenessChallenge | undefined>;
  /** Closes an open challenge; false when it was closed already (answered or replaced meanwhile). */
  closeChallenge(id: string, at: string): Promise<boolean>;
}

export type MailStatus = 'pending' | 'sent' | 'failed';

export interface Mail extends NewMail {
  id: string;
  status: MailStatus;
  attempts: number;
  nextAttemptAt: string;
  lastError?: string;
  createdAt: string;
  sentAt?: string;
  claimedUntil?: string;
  claimedBy?: string;
}
