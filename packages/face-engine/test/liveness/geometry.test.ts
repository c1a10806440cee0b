import { describe, expect, it } from 'vitest';
import {
  applyHomography,
  estimatePose,
  fitHomography,
  homographyErrors,
  interOcularPx,
  LANDMARK_NAMES,
  landmarksFromMesh,
  MESH_INDEX,
  similarityResidual,
} from '../../dist/index.js';
import { FRAME_WIDTH, projectHead, Random, subjectFace } from './synthetic.js';

type P = readonly [number, number];

describe('fitHomography', () => {
  it('recovers a strong perspective map exactly from noiseless points', () => {
    const h = [1.1, 0.2, 30, -0.15, 0.9, -12, 0.0009, -0.0006, 1] as const;
    const r = new Random(3);
    const from: P[] = Array.from({ length: 20 }, () => [r.uniform(100, 500), r.uniform(80, 400)] as const);
    const to = from.map((p) => applyHomography([...h] as never, p));
    const fit = fitHomography(from, to);
    expect(fit).toBeDefined();
    fit?.forEach((v: number, i: number) => {
      expect(v).toBeCloseTo(h[i] as number, 8);
    });
    expect(Math.max(...homographyErrors(fit as never, from, to))).toBeLessThan(1e-8);
  });

  it('refuses fewer than 4 points and collinear points', () => {
    expect(
      fitHomography(
        [
          [0, 0],
          [1, 0],
          [0, 1],
        ],
        [
          [0, 0],
          [1, 0],
          [0, 1],
        ],
      ),
    ).toBeUndefined();
    const line: P[] = Array.from({ length: 8 }, (_, i) => [i, 2 * i] as const);
    const fit = fitHomography(line, line);
    // A line does not determine a homography: either no fit, or one that does not map off the line.
    if (fit) expect(applyHomography(fit, [5, 0])[0]).not.toBeCloseTo(5, 3);
  });

  it('similarityResidual is zero for a rotated, scaled, shifted copy and not for a shear', () => {
    const pts: P[] = [
      [0, 0],
      [10, 0],
      [0, 10],
      [7, 3],
      [2, 9],
    ];
    const c = Math.cos(0.4) * 1.3;
    const s = Math.sin(0.4) * 1.3;
    const moved = pts.map(([x, y]) => [c * x - s * y + 5, s * x + c * y - 2] as const);
    expect(similarityResidual(pts, moved)).toBeLessThan(1e-9);
    expect(
      similarityResidual(
        pts,
        pts.map(([x, y]) => [x + 0.5 * y, y] as const),
      ),
    ).toBeGreaterThan(0.5);
  });
});

describe('estimatePose', () => {
  const r = new Random(11);
  const face = subjectFace(r);
  const noiseless = (state: Partial<Parameters<typeof projectHead>[1]>) =>
    projectHead(face, { yaw: 0, pitch: 0, roll: 0, x: 0, y: 0, z: 500, ...state });

  it('reads a frontal face as frontal, at the size of its inter-ocular distance', () => {
    const pose = estimatePose(noiseless({}), FRAME_WIDTH);
    expect(pose).toBeDefined();
    expect(Math.abs(pose?.yaw as number)).toBeLessThan(4);
    expect(Math.abs(pose?.pitch as number)).toBeLessThan(6);
    expect(Math.abs(pose?.roll as number)).toBeLessThan(2);
    const iod = interOcularPx(noiseless({}));
    expect((pose?.scale as number) * FRAME_WIDTH).toBeGreaterThan(0.8 * iod);
    expect((pose?.scale as number) * FRAME_WIDTH).toBeLessThan(1.2 * iod);
  });

  it('gives the signs of HeadPose: turning to the image right, looking up, rolling clockwise', () => {
    const base = estimatePose(noiseless({}), FRAME_WIDTH) as NonNullable<ReturnType<typeof estimatePose>>;
    const left = estimatePose(noiseless({ yaw: 25 }), FRAME_WIDTH);
    const up = estimatePose(noiseless({ pitch: 20 }), FRAME_WIDTH);
    const roll = estimatePose(noiseless({ roll: 15 }), FRAME_WIDTH);
    expect((left?.yaw as number) - base.yaw).toBeGreaterThan(15);
    expect(Math.abs((left?.pitch as number) - base.pitch)).toBeLessThan(5);
    expect((up?.pitch as number) - base.pitch).toBeGreaterThan(12);
    expect(Math.abs((up?.yaw as number) - base.yaw)).toBeLessThan(5);
    expect((roll?.roll as number) - base.roll).toBeCloseTo(15, 0);
    // The frontal-equivalent scale does not shrink with the turn (the inter-ocular distance does).
    expect((left?.scale as number) / base.scale).toBeGreaterThan(0.93);
    expect((left?.interOcularPx as number) / base.interOcularPx).toBeLessThan(0.95);
    // Coming 25% closer grows the scale by about as much.
    const closer = estimatePose(noiseless({ z: 400 }), FRAME_WIDTH);
    expect((closer?.scale as number) / base.scale).toBeCloseTo(1.25, 1);
  });

  it('needs 8 landmarks', () => {
    const lm = noiseless({});
    const few = Object.fromEntries(Object.entries(lm).slice(0, 7));
    expect(estimatePose(few, FRAME_WIDTH)).toBeUndefined();
    expect(estimatePose(Object.fromEntries(Object.entries(lm).slice(0, 8)), FRAME_WIDTH)).toBeDefined();
  });
});

describe('landmarksFromMesh', () => {
  it('picks the named FaceMesh points and scales them', () => {
    const mesh = Array.from({ length: 468 }, (_, i) => [i, 2 * i, 0]);
    const lm = landmarksFromMesh(mesh, 2);
    expect(Object.keys(lm).length).toBe(LANDMARK_NAMES.length);
    expect(lm.noseTip).toEqual([2 * MESH_INDEX.noseTip, 4 * MESH_INDEX.noseTip]);
    expect(Object.keys(landmarksFromMesh(mesh.slice(0, 100))).length).toBeLessThan(LANDMARK_NAMES.length);
  });
});
