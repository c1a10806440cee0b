import { describe, expect, it } from 'vitest';
import { rng } from '../dist/eval/attacks.js';
import { cosineToScore, TemplateIndex, templateToBase64 } from '../dist/index.js';

function randomUnit(r: () => number, dim: number): Float32Array {
  const v = new Float32Array(dim);
  let n = 0;
  for (let i = 0; i < dim; i++) {
    const x = r() - 0.5;
    v[i] = x;
    n += x * x;
  }
  for (let i = 0; i < dim; i++) v[i] = (v[i] as number) / Math.sqrt(n);
  return v;
}

describe('TemplateIndex', () => {
  for (const mode of ['exact', 'hnsw'] as const) {
    it(`${mode}: add, load (base64), search, remove`, () => {
      const r = rng(7);
      const dim = 64;
      const idx = new TemplateIndex({ mode, dim });
      const vecs = Array.from({ length: 200 }, () => randomUnit(r, dim));
      idx.load(vecs.map((t, i) => ({ id: `p${i}`, template: i % 2 ? templateToBase64(t) : t })));
      expect(idx.size).toBe(200);
      expect(idx.mode).toBe(mode);
      const hits = idx.search(vecs[42] as Float32Array, 3);
      expect(hits[0]?.id).toBe('p42');
      expect(hits[0]?.score).toBeCloseTo(cosineToScore(1), 5);
      expect(hits.length).toBe(3);
      expect(idx.remove('p42')).toBe(true);
      expect(idx.remove('p42')).toBe(false);
      expect(idx.size).toBe(199);
      expect(idx.search(vecs[42] as Float32Array, 1)[0]?.id).not.toBe('p42');
      // re-adding an id replaces its template
      idx.add('p1', vecs[3] as Float32Array);
      expect(idx.size).toBe(199);
      expect(
        idx
          .search(vecs[3] as Float32Array, 2)
          .map((h) => h.id)
          .sort(),
      ).toEqual(['p1', 'p3']);
      expect(() => idx.add('bad', new Float32Array(10))).toThrow(RangeError);
    });
  }

  it('auto mode switches to HNSW at its threshold and keeps every id', () => {
    const r = rng(9);
    const idx = new TemplateIndex({ mode: 'auto', dim: 32, autoThreshold: 100 });
    const vecs = Array.from({ length: 150 }, () => randomUnit(r, 32));
    vecs.forEach((v, i) => {
      idx.add(`x${i}`, v);
    });
    expect(idx.mode).toBe('hnsw');
    expect(idx.size).toBe(150);
    expect(idx.search(vecs[5] as Float32Array, 1)[0]?.id).toBe('x5');
    expect(idx.search(vecs[120] as Float32Array, 1)[0]?.id).toBe('x120');
  });
});
