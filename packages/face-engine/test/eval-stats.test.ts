import { describe, expect, it } from 'vitest';
import { upperBound } from '../dist/eval/stats.js';

describe('upperBound (Clopper-Pearson, one-sided)', () => {
  it('gives 1 − 0.05^(1/n) when nothing was seen (about 3/n)', () => {
    expect(upperBound(0, 240)).toBeCloseTo(1 - 0.05 ** (1 / 240), 6);
    expect(upperBound(0, 12)).toBeCloseTo(0.2209, 4);
    expect(upperBound(0, 2606) * 2606).toBeCloseTo(3, 0);
  });

  it('solves P(X ≤ x) = 5 % for x > 0', () => {
    // One refusal in 12: P(X ≤ 1; 12, p) = (1-p)^12 + 12 p (1-p)^11 = 0.05 at p ≈ 0.339.
    const p = upperBound(1, 12);
    expect((1 - p) ** 12 + 12 * p * (1 - p) ** 11).toBeCloseTo(0.05, 6);
    expect(p).toBeCloseTo(0.339, 3);
    expect(upperBound(5, 100)).toBeGreaterThan(0.05);
    expect(upperBound(5, 100)).toBeLessThan(0.11);
  });

  it('is 1 when every trial failed or there were none, and grows with the count', () => {
    expect(upperBound(3, 3)).toBe(1);
    expect(upperBound(0, 0)).toBe(1);
    expect(upperBound(1, 50)).toBeGreaterThan(upperBound(0, 50));
    expect(upperBound(0, 50, 0.99)).toBeGreaterThan(upperBound(0, 50, 0.95));
  });
});
