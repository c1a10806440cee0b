/**
 * The bezel cue: straight edges found in one frame (straightEdges) and whether they move with the face
 * or stay in the image over the key frames (bezelCue). Synthetic images and edge lists, so each property
 * is checked on its own.
 */
import { describe, expect, it } from 'vitest';
import { bezelCue, type ScreenCues, type StraightEdge, straightEdges } from '../../dist/index.js';

const W = 320;
const H = 240;

/** A mid-grey frame with sensor noise; `paint` draws on it (grey level per pixel, or undefined to keep). */
function frame(paint: (x: number, y: number) => number | undefined, seed = 1) {
  const data = new Uint8Array(W * H * 3);
  let s = seed;
  const noise = () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return (s / 2147483648 - 0.5) * 6;
  };
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const v = Math.max(0, Math.min(255, (paint(x, y) ?? 128) + noise()));
      data.set([v, v, v], (y * W + x) * 3);
    }
  return { data, width: W, height: H };
}

const faceBox = [130, 80, 60, 70] as const;

describe('straightEdges', () => {
  it("finds a dark border's four sides round the face, at their angles and places", () => {
    // A print's frame: a dark band 6 px wide, its inner edge 50 px left/right and 40 px above/below the face box.
    const [bx, by, bw, bh] = faceBox;
    const inner = { l: bx - 50, r: bx + bw + 50, t: by - 40, b: by + bh + 40 };
    const img = frame((x, y) => {
      const inBand =
        x >= inner.l - 6 &&
        x < inner.r + 6 &&
        y >= inner.t - 6 &&
        y < inner.b + 6 &&
        !(x >= inner.l && x < inner.r && y >= inner.t && y < inner.b);
      return inBand ? 30 : undefined;
    });
    const edges = straightEdges(img, faceBox);
    expect(edges.length).toBeGreaterThanOrEqual(4);
    const vertical = edges.filter((e) => e.angle <= 4 || e.angle >= 176);
    const horizontal = edges.filter((e) => Math.abs(e.angle - 90) <= 4);
    expect(vertical.length).toBeGreaterThanOrEqual(2);
    expect(horizontal.length).toBeGreaterThanOrEqual(2);
    // The left inner side: x = 80, i.e. 80 px left of the face centre (160) = -1.33 face widths along +x.
    const left = vertical
      .map((e) => (e.angle >= 176 ? -e.faceRho : e.faceRho))
      .sort((a, b) => a - b)[0] as number;
    expect(left).toBeGreaterThan(-(80 + 8) / bw);
    expect(left).toBeLessThan(-(80 - 8) / bw);
    // In image px from the image centre (x = 160), the left side's outer and inner edges: x = 74 and 80.
    const leftRho = vertical.map((e) => (e.angle >= 176 ? -e.rho : e.rho)).sort((a, b) => a - b)[0] as number;
    expect(leftRho).toBeGreaterThanOrEqual(-88);
    expect(leftRho).toBeLessThanOrEqual(-78);
    // The sides are longer than the face is wide.
    for (const e of edges.slice(0, 4)) expect(e.length).toBeGreaterThan(1.5);
  });

  it('finds no edge on a smooth gradient, nor in the face box itself', () => {
    expect(
      straightEdges(
        frame((x) => 60 + x / 3),
        faceBox,
      ),
    ).toEqual([]);
    const [bx, by, bw, bh] = faceBox;
    // A bright patch with hard edges in the middle of the face box (the face's own contours are not edges).
    const [cx, cy] = [bx + bw / 2, by + bh / 2];
    const inside = frame((x, y) =>
      Math.abs(x - cx - 0.1 * bw) < 0.2 * bw && Math.abs(y - cy) < 0.3 * bh ? 220 : undefined,
    );
    expect(straightEdges(inside, faceBox)).toEqual([]);
  });
});

/** Key frames as verifyLiveness gets them: the face box centre (from the image centre), its width, eyes. */
function keyFrame(face: { x: number; y: number; width: number }, edges: StraightEdge[], rollDeg = 0) {
  const c = Math.cos((rollDeg * Math.PI) / 180);
  const s = Math.sin((rollDeg * Math.PI) / 180);
  const cx = W / 2 + face.x;
  const cy = H / 2 + face.y;
  const half = face.width * 0.35;
  const screen: ScreenCues = { moire: 1, edges, face };
  return {
    screen,
    landmarks: {
      rightEyeOuter: [cx - half * c, cy - half * s] as [number, number],
      leftEyeOuter: [cx + half * c, cy + half * s] as [number, number],
    },
  };
}

/** A vertical edge at image x (from the centre), described relative to `face`. */
const verticalAt = (x: number, face: { x: number; width: number }, length = 2): StraightEdge => ({
  angle: 0,
  rho: x,
  faceRho: (x - face.x) / face.width,
  length,
});

describe('bezelCue', () => {
  const faces = [
    { x: 0, y: 0, width: 60 },
    { x: 25, y: 5, width: 60 },
    { x: 50, y: 10, width: 66 },
  ];

  it('measures an edge that keeps its place on the face while the face moves (a held picture)', () => {
    // The picture's left margin, 1.5 face widths left of the face, carried with it.
    const frames = faces.map((f) => keyFrame(f, [verticalAt(f.x - 1.5 * f.width, f, 2.4)]));
    const cue = bezelCue(frames);
    expect(cue).toMatchObject({ rigidEdgeLength: 2.4, informative: 2, movedWithFace: 2, stayedInImage: 0 });
  });

  it('measures nothing when the edges stay in the image while the face moves (a room behind a head)', () => {
    const doorFrame = (f: { x: number; width: number }) => verticalAt(-100, f, 3);
    const cue = bezelCue(faces.map((f) => keyFrame(f, [doorFrame(f)])));
    expect(cue).toMatchObject({ rigidEdgeLength: 0, informative: 2, movedWithFace: 0, stayedInImage: 2 });
  });

  it('follows the face as it rolls (the edge turns with the eye line)', () => {
    const rolled = { x: 30, y: 0, width: 60 };
    const first = keyFrame(faces[0] as (typeof faces)[0], [verticalAt(-90, faces[0] as (typeof faces)[0])]);
    // Rotated by 10° about the face centre, the line's normal turns by 10° and its distance from the
    // face centre is kept: rho = faceRho·w + centre·n.
    const a = (10 * Math.PI) / 180;
    const faceRho = -90 / 60;
    const rho = faceRho * 60 + rolled.x * Math.cos(a) + rolled.y * Math.sin(a);
    const second = keyFrame(rolled, [{ angle: 10, rho, faceRho, length: 2 }], 10);
    expect(bezelCue([first, second]).rigidEdgeLength).toBe(2);
    // The same line without the roll is not where the face took it.
    const unrolled = keyFrame(rolled, [{ angle: 0, rho: faceRho * 60 + rolled.x, faceRho, length: 2 }], 10);
    expect(bezelCue([first, unrolled]).rigidEdgeLength).toBe(0);
  });

  it('cannot tell when the face did not move: no comparison counts', () => {
    const still = faces[0] as (typeof faces)[0];
    const frames = [0, 1, 2].map(() => keyFrame(still, [verticalAt(-90, still)]));
    expect(bezelCue(frames)).toMatchObject({ rigidEdgeLength: 0, informative: 0 });
  });
});
