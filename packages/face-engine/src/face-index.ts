import { MetricKind, ScalarKind, Index as UsearchIndex } from 'usearch';
import { cosineToScore } from './calibration.js';
import { l2normalise, toTemplate } from './template.js';
import type { FaceIndex, FaceIndexOptions, SearchHit, TemplateInput } from './types.js';

interface Resolved {
  mode: 'exact' | 'hnsw' | 'auto';
  autoThreshold: number;
  dim: number;
  m: number;
  efConstruction: number;
  efSearch: number;
  quantization: 'f32' | 'f16' | 'i8';
}

export interface FaceIndexInternalOptions extends FaceIndexOptions {
  /** Storage type of the approximate index (default f32; f16 halves memory for very large galleries). */
  quantization?: 'f32' | 'f16' | 'i8';
  /** Maps cosine to score; defaults to the engine calibration. */
  scoreOf?: (cos: number) => number;
}

/** Keeps the k best (highest score) items; small k, so insertion into a sorted array is fine. */
function pushTop(top: { i: number; s: number }[], k: number, i: number, s: number): void {
  if (top.length === k && s <= (top[k - 1] as { s: number }).s) return;
  let p = top.length;
  while (p > 0 && (top[p - 1] as { s: number }).s < s) p--;
  top.splice(p, 0, { i, s });
  if (top.length > k) top.pop();
}

/**
 * 1:N template collection. Exact (brute-force dot products over a contiguous matrix) for small
 * collections; an HNSW graph (usearch) for large ones. Scores are on the same 0..1 scale as compare().
 */
export class TemplateIndex implements FaceIndex {
  private readonly o: Resolved;
  private readonly scoreOf: (cos: number) => number;
  // exact store
  private matrix: Float32Array;
  private ids: string[] = [];
  private slotOf = new Map<string, number>();
  // approximate store
  private ann: UsearchIndex | null = null;
  private keyOf = new Map<string, bigint>();
  private idOfKey = new Map<bigint, string>();
  private nextKey = 1n;

  constructor(opts: FaceIndexInternalOptions = {}) {
    this.o = {
      mode: opts.mode ?? 'auto',
      autoThreshold: opts.autoThreshold ?? 20_000,
      dim: opts.dim ?? 1024,
      m: opts.m ?? 16,
      efConstruction: opts.efConstruction ?? 128,
      efSearch: opts.efSearch ?? 64,
      quantization: opts.quantization ?? 'f32',
    };
    this.scoreOf = opts.scoreOf ?? cosineToScore;
    this.matrix = new Float32Array(this.o.dim * 64);
    if (this.o.mode === 'hnsw') this.ann = this.newAnn();
  }

  get size(): number {
    return this.ann ? this.keyOf.size : this.ids.length;
  }

  get mode(): 'exact' | 'hnsw' {
    return this.ann ? 'hnsw' : 'exact';
  }

  private newAnn(): UsearchIndex {
    const q = { f32: ScalarKind.F32, f16: ScalarKind.F16, i8: ScalarKind.I8 }[this.o.quantization];
    return new UsearchIndex({
      dimensions: this.o.dim,
      metric: MetricKind.IP,
      quantization: q,
      connectivity: this.o.m,
      expansion_add: this.o.efConstruction,
      expansion_search: this.o.efSearch,
      multi: false,
    });
  }

  has(id: string): boolean {
    return this.ann ? this.keyOf.has(id) : this.slotOf.has(id);
  }

  add(id: string, template: TemplateInput): void {
    this.load([{ id, template }]);
  }

  load(entries: Iterable<{ id: string; template: TemplateInput }>): void {
    const batchKeys: bigint[] = [];
    const batchVecs: Float32Array[] = [];
    for (const { id, template } of entries) {
      if (typeof id !== 'string' || id.length === 0)
        throw new TypeError('Template id must be a non-empty string.');
      const t = l2normalise(toTemplate(template, this.o.dim));
      if (this.has(id)) this.remove(id);
      if (this.ann) {
        const key = this.nextKey++;
        this.keyOf.set(id, key);
        this.idOfKey.set(key, id);
        batchKeys.push(key);
        batchVecs.push(t);
      } else {
        this.addExact(id, t);
      }
    }
    if (this.ann && batchKeys.length > 0) this.annAdd(batchKeys, batchVecs);
    if (!this.ann && this.o.mode === 'auto' && this.ids.length >= this.o.autoThreshold) this.promote();
  }

  private annAdd(keys: bigint[], vecs: Float32Array[]): void {
    const ann = this.ann as UsearchIndex;
    const flat = new Float32Array(vecs.length * this.o.dim);
    vecs.forEach((v, i) => {
      flat.set(v, i * this.o.dim);
    });
    ann.add(BigUint64Array.from(keys), flat, 0);
  }

  private addExact(id: string, t: Float32Array): void {
    const n = this.ids.length;
    if ((n + 1) * this.o.dim > this.matrix.length) {
      const bigger = new Float32Array(Math.max(this.matrix.length * 2, (n + 1) * this.o.dim));
      bigger.set(this.matrix.subarray(0, n * this.o.dim));
      this.matrix = bigger;
    }
    this.matrix.set(t, n * this.o.dim);
    this.ids.push(id);
    this.slotOf.set(id, n);
  }

  /** Moves the exact store into the HNSW graph (auto mode crossing its threshold). */
  private promote(): void {
    this.ann = this.newAnn();
    const n = this.ids.length;
    const keys = new BigUint64Array(n);
    for (let i = 0; i < n; i++) {
      const key = this.nextKey++;
      keys[i] = key;
      const id = this.ids[i] as string;
      this.keyOf.set(id, key);
      this.idOfKey.set(key, id);
    }
    this.ann.add(keys, this.matrix.subarray(0, n * this.o.dim), 0);
    this.matrix = new Float32Array(0);
    this.ids = [];
    this.slotOf.clear();
  }

  remove(id: string): boolean {
    if (this.ann) {
      const key = this.keyOf.get(id);
      if (key === undefined) return false;
      this.ann.remove(key);
      this.keyOf.delete(id);
      this.idOfKey.delete(key);
      return true;
    }
    const slot = this.slotOf.get(id);
    if (slot === undefined) return false;
    const last = this.ids.length - 1;
    if (slot !== last) {
      const lastId = this.ids[last] as string;
      this.matrix.copyWithin(slot * this.o.dim, last * this.o.dim, (last + 1) * this.o.dim);
      this.ids[slot] = lastId;
      this.slotOf.set(lastId, slot);
    }
    this.ids.pop();
    this.slotOf.delete(id);
    return true;
  }

  /** Raw cosine top-k (exposed for benchmarks: recall of HNSW vs exact). */
  searchCosine(template: TemplateInput, k = 10): { id: string; cosine: number }[] {
    const q = l2normalise(toTemplate(template, this.o.dim));
    if (this.ann) {
      if (this.keyOf.size === 0) return [];
      const res = this.ann.search(q, Math.min(k, this.keyOf.size), 0);
      const out: { id: string; cosine: number }[] = [];
      for (let i = 0; i < res.keys.length; i++) {
        const id = this.idOfKey.get(res.keys[i] as bigint);
        if (id !== undefined) out.push({ id, cosine: 1 - (res.distances[i] as number) });
      }
      return out;
    }
    const top: { i: number; s: number }[] = [];
    const d = this.o.dim;
    const m = this.matrix;
    const n = this.ids.length;
    for (let r = 0; r < n; r++) {
      let s = 0;
      const off = r * d;
      for (let j = 0; j < d; j++) s += (q[j] as number) * (m[off + j] as number);
      pushTop(top, k, r, s);
    }
    return top.map((t) => ({ id: this.ids[t.i] as string, cosine: t.s }));
  }

  search(template: TemplateInput, k = 10, minScore = 0): SearchHit[] {
    if (!Number.isInteger(k) || k < 1) throw new RangeError('k must be a positive integer.');
    return this.searchCosine(template, k)
      .map((h) => ({ id: h.id, score: this.scoreOf(h.cosine) }))
      .filter((h) => h.score >= minScore);
  }

  clear(): void {
    this.matrix = new Float32Array(this.o.dim * 64);
    this.ids = [];
    this.slotOf.clear();
    this.keyOf.clear();
    this.idOfKey.clear();
    this.ann = this.o.mode === 'hnsw' ? this.newAnn() : null;
  }
}
