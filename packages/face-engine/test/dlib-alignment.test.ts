import { describe, expect, it } from 'vitest';
import { CHIP_SIZE, chipTransform, extractChip } from '../dist/dlib-resnet.js';

/** A mesh whose five alignment points (263, 362, 33, 133, 2) are the given image points. */
function mesh(points: [number, number][]): [number, number, number][] {
  const m: [number, number, number][] = Array.from({ length: 468 }, () => [0, 0, 0]);
  [263, 362, 33, 133, 2].forEach((i, k) => {
    const p = points[k] as [number, number];
    m[i] = [p[0], p[1], 0];
  });
  return m;
}

// dlib's five reference points in a 150 px chip with padding 0.25 (interpolation.h).
const ref = (x: number, y: number): [number, number] => [((0.25 + x) / 1.5) * 150, ((0.25 + y) / 1.5) * 150];
const REF: [number, number][] = [
  ref(0.8595674595992, 0.2134981538014),
  ref(0.6460604764104, 0.2289674387677),
  ref(0.1205750620789, 0.2137274526848),
  ref(0.3340850613712, 0.2290642403242),
  ref(0.4901123135679, 0.6277975316475),
];

describe('dlib chip alignment', () => {
  it('recovers a known rotation, scale and shift from the five mesh points', () => {
    const angle = 0.3;
    const scale = 2.5;
    const a = scale * Math.cos(angle);
    const b = scale * Math.sin(angle);
    const moved = REF.map(([u, v]): [number, number] => [a * u - b * v + 40, b * u + a * v + 70]);
    const t = chipTransform(mesh(moved));
    expect(t).not.toBeNull();
    expect(t?.a).toBeCloseTo(a, 9);
    expect(t?.b).toBeCloseTo(b, 9);
    expect(t?.tx).toBeCloseTo(40, 6);
    expect(t?.ty).toBeCloseTo(70, 6);
  });

  it('refuses a mesh without the points or with all of them in one place', () => {
    expect(chipTransform([])).toBeNull();
    expect(chipTransform(mesh(REF.map((): [number, number] => [5, 5])))).toBeNull();
  });

  it('samples the chip from the image through the transform (identity: the same pixels, black outside)', () => {
    const w = 200;
    const h = 160;
    const rgb = new Uint8Array(w * h * 3);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) rgb.set([x, y, 7], (y * w + x) * 3);
    const chip = extractChip(rgb, w, h, { a: 1, b: 0, tx: 10, ty: 20 });
    expect(chip.length).toBe(CHIP_SIZE * CHIP_SIZE * 3);
    const at = (u: number, v: number) =>
      Array.from(chip.subarray((v * CHIP_SIZE + u) * 3, (v * CHIP_SIZE + u) * 3 + 3));
    expect(at(0, 0)).toEqual([10, 20, 7]);
    expect(at(100, 50)).toEqual([110, 70, 7]);
    // chip row 145 is image row 165, below the 160-row image
    expect(at(3, 145)).toEqual([0, 0, 0]);
  });
});
