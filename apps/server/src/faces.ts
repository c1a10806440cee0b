import {
  type AnalyzeOptions,
  createEngine,
  EngineBusyError,
  EngineError,
  type FaceAnalysis,
  type FaceIndex,
  type HumanFaceEngine,
  type SearchHit,
  type SequenceAnalysis,
  type SequenceFrameInput,
  templateModelOf,
} from '@faceproof/face-engine';
import { faceImageLimits } from './contract/image-limits.js';
import { ApiError } from './errors.js';
import { bytesTemplate } from './flows/analysis.js';
import type { IndexChange, Store, StoredTemplate } from './store/types.js';

export interface FacesOptions {
  workers: number;
  maxQueue?: number;
  /** How often a shared store's templates are compared with the indexes, in case a notice was lost. */
  reconcileMs?: number;
  /** Told about each change learnt from another instance (logging, and the propagation tests). */
  onSync?: (info: SyncInfo) => void;
}

export interface SyncInfo {
  collectionId: string;
  personId?: string;
  action: 'add' | 'remove' | 'drop';
  /**
   * A notice from the instance that made the change, the reconciliation that repaired a missed one,
   * or the catch-up an enrolment makes under the collection's lock (`exclusive`).
   */
  via: 'notice' | 'reconcile' | 'catch-up';
}

interface Member {
  collectionId: string;
  /** The template in the index; unknown for a template added locally from an analysis. */
  templateId?: string;
  /** When it entered the index: a reconciliation never undoes a change newer than its snapshot. */
  at: number;
}

/**
 * The face engine and one in-memory 1:N index per collection, loaded from the store's templates at
 * start. Each collection searches one template model (its `search_model`, the engine's model when it has
 * none): its index holds only that model's templates, and a probe is searched with the analysis's
 * template of that model, so models never mix. Index ids are person ids: a person has one template per
 * model (app registration `force` replaces them).
 * With a shared (PostgreSQL) store, persons enrolled or deleted by other instances arrive as notices
 * and are applied within milliseconds; a periodic reconciliation catches anything a lost notice missed.
 */
export class Faces {
  engine?: HumanFaceEngine;
  private readonly indexes = new Map<string, FaceIndex>();
  private readonly members = new Map<string, Member>();
  /** Collections that search another model than the engine's (migrated deployments). */
  private searchModels = new Map<string, string>();
  /** The tail of each collection's queue of enrolments (see `exclusive`). */
  private readonly enrolling = new Map<string, Promise<void>>();
  /** Per collection, the store's write order (`seq`) up to which the index has every template. */
  private readonly caughtUp = new Map<string, number>();
  private store?: Store;
  private unwatch?: () => Promise<void>;
  private reconcileTimer?: NodeJS.Timeout;
  /** Notices and reconciliations are applied one at a time, in order of arrival. */
  private syncing: Promise<void> = Promise.resolve();
  ready = false;

  constructor(private readonly opts: FacesOptions) {}

  /** Settles once the indexes are loaded (an enrolment must not judge on an index still empty). */
  private loaded: Promise<void> = Promise.resolve();

  start(store: Store): Promise<void> {
    this.store = store;
    this.loaded = this.load(store);
    return this.loaded;
  }

  private async load(store: Store) {
    this.searchModels = await store.collectionSearchModels();
    // Only the networks whose templates are stored run: the engine's, and any a collection searches.
    const searched = [...this.searchModels.values()].flatMap((id) => templateModelOf(id)?.name ?? []);
    this.engine = await createEngine({
      workers: this.opts.workers,
      templateModels: searched,
      limits: faceImageLimits(),
      ...(this.opts.maxQueue !== undefined ? { maxQueue: this.opts.maxQueue } : {}),
    });
    // Watch before loading, so that nothing committed between the load and the watch is missed.
    this.unwatch = await store.watchIndex({
      onChange: (c) => this.enqueue(() => this.applyChange(c)),
      onResync: () => void this.reconcile().catch(() => {}),
    });
    for (const t of await store.allTemplates()) {
      if (this.searched(t)) this.put(t);
      this.caughtUpTo(t);
    }
    if (store.dialect === 'postgres') {
      this.reconcileTimer = setInterval(
        () => void this.reconcile().catch(() => {}),
        this.opts.reconcileMs ?? 30_000,
      );
      this.reconcileTimer.unref();
    }
    this.ready = true;
  }

  private enqueue(fn: () => Promise<void>): Promise<void> {
    const next = this.syncing.then(fn).catch(() => {});
    this.syncing = next;
    return next;
  }

  /** The template model a collection searches. */
  searchModel(collectionId: string): string {
    return this.searchModels.get(collectionId) ?? this.templateModel;
  }

  /**
   * The models an enrolment stores: the engine's, and every model a collection still searches, so that a
   * collection can switch to the engine's model once its persons have templates of it.
   */
  storedModels(): string[] {
    return [...new Set([this.templateModel, ...this.searchModels.values()])];
  }

  /** Whether a stored template is of the model its collection searches (and one this engine runs). */
  private searched(t: { collectionId: string; model: string }): boolean {
    return t.model === this.searchModel(t.collectionId) && templateModelOf(t.model) !== undefined;
  }

  private put(t: StoredTemplate) {
    this.add(t.collectionId, t.personId, { [t.model]: bytesTemplate(t.template) });
    (this.members.get(t.personId) as Member).templateId = t.id;
  }

  private async applyChange(c: IndexChange) {
    if (!c.personId) {
      this.removeCollection(c.collectionId);
      this.opts.onSync?.({ collectionId: c.collectionId, action: 'drop', via: 'notice' });
      return;
    }
    const latest = (await this.store?.personTemplates(c.personId))?.filter((t) => this.searched(t)).at(-1);
    if (latest) this.put(latest);
    else this.removePerson(c.collectionId, c.personId);
    this.opts.onSync?.({
      collectionId: c.collectionId,
      personId: c.personId,
      action: latest ? 'add' : 'remove',
      via: 'notice',
    });
  }

  /**
   * Brings the indexes in line with the store's templates (one read of the ids, then the bytes of
   * what is missing or changed). Returns how many persons were added or removed.
   */
  reconcile(): Promise<{ added: number; removed: number }> {
    let result = { added: 0, removed: 0 };
    return this.enqueue(async () => {
      const store = this.store;
      if (!store || !this.engine) return;
      const snapshot = Date.now();
      const refs = (await store.templateRefs()).filter((r) => this.searched(r));
      const latest = new Map(refs.map((r) => [r.personId, r]));
      const load: string[] = [];
      for (const [personId, r] of latest) {
        const m = this.members.get(personId);
        if (!m || (m.at < snapshot && (m.templateId !== r.id || m.collectionId !== r.collectionId)))
          load.push(r.id);
      }
      let removed = 0;
      for (const [personId, m] of [...this.members]) {
        if (!latest.has(personId) && m.at < snapshot) {
          this.removePerson(m.collectionId, personId);
          removed++;
          this.opts.onSync?.({ collectionId: m.collectionId, personId, action: 'remove', via: 'reconcile' });
        }
      }
      const fresh = await store.templatesByIds(load);
      for (const t of fresh) {
        // A local add only lacked its template id: not news from another instance.
        const news = !this.has(t.collectionId, t.personId);
        this.put(t);
        if (news)
          this.opts.onSync?.({
            collectionId: t.collectionId,
            personId: t.personId,
            action: 'add',
            via: 'reconcile',
          });
      }
      result = { added: fresh.length, removed };
    }).then(() => result);
  }

  private index(collectionId: string): FaceIndex {
    let idx = this.indexes.get(collectionId);
    if (!idx) {
      if (!this.engine) throw new Error('Face engine not started');
      idx = this.engine.createIndex({ templateModel: this.searchModel(collectionId) });
      this.indexes.set(collectionId, idx);
    }
    return idx;
  }

  /** Analyses an image; an engine that is saturated or broken becomes a 503 (nothing recorded). */
  async analyze(image: string, opts?: AnalyzeOptions): Promise<FaceAnalysis> {
    if (!this.engine || !this.ready) throw engineBusy('The face engine is still loading.');
    try {
      return await this.engine.analyze(image, opts);
    } catch (err) {
      if (err instanceof EngineBusyError) throw engineBusy(err.message);
      if (err instanceof EngineError) throw engineBusy(err.message);
      throw err;
    }
  }

  /** Analyses the frames of an active-liveness sequence; like `analyze`, a busy engine is a 503. */
  async analyzeSequence(frames: readonly SequenceFrameInput[]): Promise<SequenceAnalysis> {
    if (!this.engine || !this.ready) throw engineBusy('The face engine is still loading.');
    try {
      return await this.engine.analyzeSequence(frames);
    } catch (err) {
      if (err instanceof EngineError) throw engineBusy(err.message);
      throw err;
    }
  }

  /** The engine's own template model: what new collections search. */
  get templateModel(): string {
    if (!this.engine) throw new Error('Face engine not started');
    return this.engine.info.templateModel;
  }

  private caughtUpTo(t: StoredTemplate) {
    if (t.seq !== undefined && t.seq > (this.caughtUp.get(t.collectionId) ?? 0))
      this.caughtUp.set(t.collectionId, t.seq);
  }

  /**
   * Runs `fn` alone among the enrolments of one collection: the duplicate-face search, the save and
   * the index update of an enrolment happen with no other enrolment of that collection in between,
   * so two requests cannot both find the face absent and both enrol it. In this process a queue per
   * collection; across the instances of one PostgreSQL the store's lock (`Store.enrolling`), under
   * which the index first reads the templates other instances committed since it last held it (their
   * notices may not have arrived yet). `fn` reads and writes through the `store` it is given.
   */
  async exclusive<T>(collectionId: string, fn: (store: Store) => Promise<T>): Promise<T> {
    const prior = this.enrolling.get(collectionId) ?? Promise.resolve();
    const locked = async () => {
      await this.loaded;
      if (!this.store) throw new Error('Faces not started');
      return this.store.enrolling(collectionId, async (store) => {
        await this.catchUp(collectionId, store);
        return fn(store);
      });
    };
    const run = prior.then(locked, locked);
    const settled = run.then(
      () => {},
      () => {},
    );
    this.enrolling.set(collectionId, settled);
    try {
      return await run;
    } finally {
      if (this.enrolling.get(collectionId) === settled) this.enrolling.delete(collectionId);
    }
  }

  /** The match score of two templates of the engine's model, on the search's scale. */
  compare(a: Float32Array, b: Float32Array): number {
    if (!this.engine) throw new Error('Face engine not started');
    return this.engine.compare(a, b);
  }

  /** Adds the collection's templates written since this index last caught up with it. */
  private async catchUp(collectionId: string, store: Store) {
    const fresh = await store.templatesAddedSince(collectionId, this.caughtUp.get(collectionId) ?? 0);
    for (const t of fresh) {
      this.caughtUpTo(t);
      if (!this.searched(t)) continue;
      const news = !this.has(t.collectionId, t.personId);
      this.put(t);
      if (news) this.opts.onSync?.({ collectionId, personId: t.personId, action: 'add', via: 'catch-up' });
    }
  }

  /**
   * The collection's 1:N search, with the probe's template of the model the collection searches
   * (`templates` by model id: an analysis's, or a held enrolment's); none of that model finds nobody.
   */
  search(collectionId: string, templates: Readonly<Record<string, Float32Array>>, k = 5): SearchHit[] {
    const template = templates[this.searchModel(collectionId)];
    return template ? (this.indexes.get(collectionId)?.search(template, k) ?? []) : [];
  }

  /** Indexes a person with its template of the collection's search model (`templates` by model id). */
  add(collectionId: string, personId: string, templates: Readonly<Record<string, Float32Array>>) {
    const prior = this.members.get(personId);
    if (prior && prior.collectionId !== collectionId) this.indexes.get(prior.collectionId)?.remove(personId);
    const template = templates[this.searchModel(collectionId)];
    if (!template) {
      this.removePerson(collectionId, personId);
      return;
    }
    const idx = this.index(collectionId);
    idx.remove(personId);
    idx.add(personId, template);
    this.members.set(personId, { collectionId, at: Date.now() });
  }

  removePerson(collectionId: string, personId: string) {
    this.indexes.get(collectionId)?.remove(personId);
    this.members.delete(personId);
  }

  removeCollection(collectionId: string) {
    this.indexes.delete(collectionId);
    for (const [personId, m] of this.members)
      if (m.collectionId === collectionId) this.members.delete(personId);
  }

  /** Whether a person is in the index of a collection (for tests and diagnostics). */
  has(collectionId: string, personId: string) {
    return this.members.get(personId)?.collectionId === collectionId;
  }

  async close() {
    this.ready = false;
    clearInterval(this.reconcileTimer);
    await this.unwatch?.();
    await this.syncing;
    await this.engine?.close();
  }
}

function engineBusy(message: string) {
  return new ApiError(503, 'ENGINE_BUSY', 'Face engine busy', message, {}, { 'retry-after': '1' });
}
