import { readFileSync, writeFileSync } from 'node:fs';
import { MetricKind, ScalarKind, Index as UsearchIndex } from 'usearch';
import { cosineToScore } from './calibration.js';
import { l2normalise, toTemplate } from './template.js';
import type { FaceIndex, FaceIndexOptions, IndexRestoreStats, SearchHit, TemplateInput } from './types.js';

interface Resolved {
  mode: 'exact' | 'hnsw' | 'auto';
  autoThreshold: number;
  dim: number;
  m: number;
  efConstruction: number;
  efSearch: number;
  quantization: 'f32' | 'f16' | 'i8';
  rerank: number;
  threads: number;
}

export interface FaceIndexInternalOptions extends FaceIndexOptions {
  /** Maps cosine to score; defaults to the engine calibration. */
  scoreOf?: (cos: number) => number;
}

/**
 * The approximate index's defaults. efSearch 256: at 1M 128-d templates, 128 gave recall@1 0.975 against
 * exact search and 256 gave 0.995 for 1.0 ms instead of 0.6 (bench, 200 probes, README "1:N search").
 */
export const HNSW_DEFAULTS = {
  m: 16,
  efConstruction: 128,
  efSearch: 256,
  quantization: 'i8',
  rerank: 16,
} as const;

/** Vectors per chunk of the rerank store (chunks avoid one multi-GB allocation for million-size galleries). */
const CHUNK = 16_384;
const SIDECAR_VERSION = 1;

/** Keeps the k best (highest score) items; small k, so insertion into a sorted array is fine. */
function pushTop(top: { i: number; s: number }[], k: number, i: number, s: number): void {
  if (top.length === k && s <= (top[k - 1] as { s: number }).s) return;
  let p = top.length;
  while (p > 0 && (top[p - 1] as { s: number }).s < s) p--;
  top.splice(p, 0, { i, s });
  if (top.length > k) top.pop();
}

function dotAt(q: Float32Array, m: Float32Array, off: number): number {
  let s = 0;
  const d = q.length;
  for (let j = 0; j < d; j++) s += (q[j] as number) * (m[off + j] as number);
  return s;
}

/**
 * 1:N template collection. Exact (brute-force dot products over a contiguous matrix) for small
 * collections; an HNSW graph (usearch) for large ones. In HNSW mode the graph only proposes candidates
 * (`rerank` of them, default 16): their exact cosine is recomputed from a float32 copy of the templates,
 * so scores are exact and on the same 0..1 scale as compare(), whatever the graph's quantisation.
 */
export class TemplateIndex implements FaceIndex {
  private readonly o: Resolved;
  private readonly scoreOf: (cos: number) => number;
  // exact store
  private matrix: Float32Array;
  private ids: string[] = [];
  private slotOf = new Map<string, number>();
  // approximate store: graph + float32 copies addressed by key (for the exact rerank)
  private ann: UsearchIndex | null = null;
  private keyOf = new Map<string, bigint>();
  private idOfKey = new Map<bigint, string>();
  private nextKey = 0n;
  private chunks: Float32Array[] = [];

  constructor(opts: FaceIndexInternalOptions = {}) {
    this.o = {
      mode: opts.mode ?? 'auto',
      autoThreshold: opts.autoThreshold ?? 20_000,
      dim: opts.dim ?? 1024,
      m: opts.m ?? HNSW_DEFAULTS.m,
      efConstruction: opts.efConstruction ?? HNSW_DEFAULTS.efConstruction,
      efSearch: opts.efSearch ?? HNSW_DEFAULTS.efSearch,
      quantization: opts.quantization ?? HNSW_DEFAULTS.quantization,
      rerank: opts.rerank ?? HNSW_DEFAULTS.rerank,
      threads: opts.threads ?? 0,
    };
    if (!Number.isInteger(this.o.rerank) || this.o.rerank < 0)
      throw new RangeError('rerank must be a non-negative integer.');
    if (this.o.rerank === 0 && this.o.quantization === 'i8')
      throw new RangeError('i8 quantisation needs rerank > 0 (its distances are not cosines).');
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

  private checked(id: string, template: TemplateInput): Float32Array {
    if (typeof id !== 'string' || id.length === 0)
      throw new TypeError('Template id must be a non-empty string.');
    return l2normalise(toTemplate(template, this.o.dim));
  }

  load(entries: Iterable<{ id: string; template: TemplateInput }>): void {
    const batchKeys: bigint[] = [];
    for (const { id, template } of entries) {
      const t = this.checked(id, template);
      if (this.has(id)) this.remove(id);
      if (this.ann) batchKeys.push(this.storeKeyed(id, t));
      else this.addExact(id, t);
    }
    if (this.ann && batchKeys.length > 0) this.annAdd(batchKeys);
    if (!this.ann && this.o.mode === 'auto' && this.ids.length >= this.o.autoThreshold) this.promote();
  }

  /** Assigns the next key to id and keeps the float32 copy for the rerank. */
  private storeKeyed(id: string, t: Float32Array, key: bigint = this.nextKey): bigint {
    if (key >= this.nextKey) this.nextKey = key + 1n;
    this.keyOf.set(id, key);
    this.idOfKey.set(key, id);
    const k = Number(key);
    const c = Math.floor(k / CHUNK);
    while (this.chunks.length <= c) this.chunks.push(new Float32Array(0));
    if ((this.chunks[c] as Float32Array).length === 0) this.chunks[c] = new Float32Array(CHUNK * this.o.dim);
    (this.chunks[c] as Float32Array).set(t, (k % CHUNK) * this.o.dim);
    return key;
  }

  private vectorOf(key: bigint): { m: Float32Array; off: number } {
    const k = Number(key);
    return { m: this.chunks[Math.floor(k / CHUNK)] as Float32Array, off: (k % CHUNK) * this.o.dim };
  }

  private annAdd(keys: bigint[]): void {
    const ann = this.ann as UsearchIndex;
    const d = this.o.dim;
    const flat = new Float32Array(keys.length * d);
    keys.forEach((key, i) => {
      const { m, off } = this.vectorOf(key);
      flat.set(m.subarray(off, off + d), i * d);
    });
    ann.add(BigUint64Array.from(keys), flat, this.o.threads);
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
    const keys: bigint[] = [];
    for (let i = 0; i < n; i++) {
      const id = this.ids[i] as string;
      keys.push(this.storeKeyed(id, this.matrix.subarray(i * this.o.dim, (i + 1) * this.o.dim)));
    }
    this.annAdd(keys);
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
      const n = this.keyOf.size;
      if (n === 0) return [];
      const want = Math.min(Math.max(k, this.o.rerank), n);
      // One query: threads=1 avoids spawning a thread pool per call.
      const res = this.ann.search(q, want, 1);
      const out: { id: string; cosine: number }[] = [];
      for (let i = 0; i < res.keys.length; i++) {
        const key = res.keys[i] as bigint;
        const id = this.idOfKey.get(key);
        if (id === undefined) continue;
        let cosine: number;
        if (this.o.rerank > 0) {
          const { m, off } = this.vectorOf(key);
          cosine = dotAt(q, m, off);
        } else {
          cosine = 1 - (res.distances[i] as number);
        }
        out.push({ id, cosine });
      }
      out.sort((a, b) => b.cosine - a.cosine);
      return out.slice(0, k);
    }
    const top: { i: number; s: number }[] = [];
    const d = this.o.dim;
    const n = this.ids.length;
    for (let r = 0; r < n; r++) pushTop(top, k, r, dotAt(q, this.matrix, r * d));
    return top.map((t) => ({ id: this.ids[t.i] as string, cosine: t.s }));
  }

  search(template: TemplateInput, k = 10, minScore = 0): SearchHit[] {
    if (!Number.isInteger(k) || k < 1) throw new RangeError('k must be a positive integer.');
    return this.searchCosine(template, k)
      .map((h) => ({ id: h.id, score: this.scoreOf(h.cosine) }))
      .filter((h) => h.score >= minScore);
  }

  /**
   * Writes the HNSW graph to `file` (usearch format) and the id/key map to `file.ids.json`, so that a
   * large gallery can be reopened with {@link restore} in seconds instead of rebuilding the graph.
   * Templates are not duplicated there: the caller keeps them (its store) and passes them to restore().
   */
  save(file: string): void {
    if (!this.ann)
      throw new Error('save() needs the HNSW graph (mode "hnsw", or "auto" past its threshold).');
    this.ann.save(file);
    const sidecar = {
      version: SIDECAR_VERSION,
      dim: this.o.dim,
      m: this.o.m,
      quantization: this.o.quantization,
      nextKey: this.nextKey.toString(),
      ids: [...this.keyOf].map(([id, key]) => [id, Number(key)]),
    };
    writeFileSync(`${file}.ids.json`, JSON.stringify(sidecar));
  }

  /**
   * Reopens a graph written by {@link save} and attaches the current templates (e.g. all rows of the
   * server's store). Ids found in the saved map keep their graph node (no insertion: the caller vouches
   * that their template did not change since save(); changed templates must be re-added with add());
   * new ids are inserted; ids of the file that are not in `entries` are removed from the graph.
   */
  restore(file: string, entries: Iterable<{ id: string; template: TemplateInput }>): IndexRestoreStats {
    const sidecar = JSON.parse(readFileSync(`${file}.ids.json`, 'utf8')) as {
      version: number;
      dim: number;
      m: number;
      quantization: Resolved['quantization'];
      nextKey: string;
      ids: [string, number][];
    };
    if (sidecar.version !== SIDECAR_VERSION)
      throw new Error(`Unsupported index file version ${sidecar.version}.`);
    if (
      sidecar.dim !== this.o.dim ||
      sidecar.quantization !== this.o.quantization ||
      sidecar.m !== this.o.m
    ) {
      throw new Error(
        `Index file was saved with dim ${sidecar.dim}, m ${sidecar.m}, ${sidecar.quantization}; this index uses dim ${this.o.dim}, m ${this.o.m}, ${this.o.quantization}.`,
      );
    }
    this.clear();
    this.ann = this.newAnn();
    this.ann.load(file);
    if (this.ann.dimensions() !== this.o.dim) throw new Error('Index file dimensions do not match.');
    const saved = new Map<string, bigint>();
    for (const [id, key] of sidecar.ids) saved.set(id, BigInt(key));
    this.nextKey = BigInt(sidecar.nextKey);
    const fresh: bigint[] = [];
    let reused = 0;
    for (const { id, template } of entries) {
      const t = this.checked(id, template);
      const key = saved.get(id);
      if (key !== undefined && !this.keyOf.has(id)) {
        this.storeKeyed(id, t, key);
        saved.delete(id);
        reused++;
      } else {
        if (this.has(id)) this.remove(id);
        fresh.push(this.storeKeyed(id, t));
      }
    }
    for (const key of saved.values()) this.ann.remove(key);
    if (fresh.length > 0) this.annAdd(fresh);
    return { reused, added: fresh.length, removed: saved.size };
  }

  clear(): void {
    this.matrix = new Float32Array(this.o.dim * 64);
    this.ids = [];
    this.slotOf.clear();
    this.keyOf.clear();
    this.idOfKey.clear();
    this.chunks = [];
    this.nextKey = 0n;
    this.ann = this.o.mode === 'hnsw' ? this.newAnn() : null;
  }
}
