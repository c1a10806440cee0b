import { createHash } from 'node:crypto';
import {
  createEngine,
  EngineBusyError,
  EngineError,
  type FaceAnalysis,
  type FaceAnalysisOk,
  type FaceEngine,
  type FaceIndex,
  type SearchHit,
} from '@faceproof/face-engine';
import { ApiError } from './errors.js';
import type { Store } from './store/types.js';

export const templateBytes = (t: Float32Array) =>
  new Uint8Array(t.buffer, t.byteOffset, t.byteLength).slice();
export const bytesTemplate = (b: Uint8Array) =>
  new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));

/** The opaque `tpl_<hash>` reference returned instead of a template. */
export const templateRef = (t: Float32Array) =>
  `tpl_${createHash('sha256').update(templateBytes(t)).digest('hex').slice(0, 24)}`;

/**
 * One quality score from the engine's measurements: the mean of detector confidence, face size
 * (full marks from 224 px), sharpness (full marks from a Laplacian variance of 100) and lighting
 * (full marks for a mean face luma within 0.3–0.7).
 */
export function qualityScore(a: FaceAnalysisOk): number {
  const q = a.face.quality;
  const size = Math.min(1, q.faceSizePx / 224);
  const sharp = Math.min(1, q.sharpness / 100);
  const light = q.brightness < 0.3 ? q.brightness / 0.3 : q.brightness > 0.7 ? (1 - q.brightness) / 0.3 : 1;
  const score = (q.detectionScore + size + sharp + Math.max(0, light)) / 4;
  return Math.round(Math.min(1, Math.max(0, score)) * 1000) / 1000;
}

export const qualityWord = (s: number) => (s >= 0.8 ? 'good' : s >= 0.5 ? 'acceptable' : 'poor');

export interface FacesOptions {
  workers: number;
  maxQueue?: number;
}

/**
 * The face engine and one in-memory 1:N index per collection, loaded from the store's templates at
 * start. Index ids are person ids: a person has one template (app registration `force` replaces it).
 */
export class Faces {
  engine?: FaceEngine;
  private readonly indexes = new Map<string, FaceIndex>();
  ready = false;

  constructor(private readonly opts: FacesOptions) {}

  async start(store: Store) {
    this.engine = await createEngine({
      workers: this.opts.workers,
      ...(this.opts.maxQueue ? { maxQueue: this.opts.maxQueue } : {}),
    });
    for (const t of await store.allTemplates())
      this.index(t.collectionId).add(t.personId, bytesTemplate(t.template));
    this.ready = true;
  }

  private index(collectionId: string): FaceIndex {
    let idx = this.indexes.get(collectionId);
    if (!idx) {
      if (!this.engine) throw new Error('Face engine not started');
      idx = this.engine.createIndex();
      this.indexes.set(collectionId, idx);
    }
    return idx;
  }

  /** Analyses an image; an engine that is saturated or broken becomes a 503 (nothing recorded). */
  async analyze(image: string): Promise<FaceAnalysis> {
    if (!this.engine || !this.ready) throw engineBusy('The face engine is still loading.');
    try {
      return await this.engine.analyze(image);
    } catch (err) {
      if (err instanceof EngineBusyError) throw engineBusy(err.message);
      if (err instanceof EngineError) throw engineBusy(err.message);
      throw err;
    }
  }

  search(collectionId: string, template: Float32Array, k = 5): SearchHit[] {
    return this.indexes.get(collectionId)?.search(template, k) ?? [];
  }

  add(collectionId: string, personId: string, template: Float32Array) {
    const idx = this.index(collectionId);
    idx.remove(personId);
    idx.add(personId, template);
  }

  removePerson(collectionId: string, personId: string) {
    this.indexes.get(collectionId)?.remove(personId);
  }

  removeCollection(collectionId: string) {
    this.indexes.delete(collectionId);
  }

  async close() {
    this.ready = false;
    await this.engine?.close();
  }
}

function engineBusy(message: string) {
  return new ApiError(503, 'ENGINE_BUSY', 'Face engine busy', message, {}, { 'retry-after': '1' });
}
