/**
 * Screen cues of one frame: a face shown on a screen (or a halftone print) carries the display's pixel
 * grid, which the camera resamples into sharp periodic patterns (moiré); skin, hair and a real background
 * have a smooth, falling spectrum. Passive evidence only: a good print or a screen out of focus has none,
 * and the figures come from rendered attacks (EVALUATION.md), not from photographed screens.
 */

/** A decoded RGB image (3 bytes per pixel, row-major). */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/**
 * A long straight edge of the frame outside the face (a print's margin, a screen's bezel, a poster, a
 * door frame), as a line x·cos θ + y·sin θ = ρ.
 */
export interface StraightEdge {
  /** Direction of the line's normal, degrees in [0, 180): 0 = a vertical edge, 90 = a horizontal one. */
  angle: number;
  /** Signed distance of the line from the image centre along its normal, in image px. */
  rho: number;
  /** Signed distance of the line from the face box centre along its normal, in face box widths. */
  faceRho: number;
  /** Edge pixels on the line, in face box widths (its visible length). */
  length: number;
}

export interface ScreenCues {
  /** The longest straight edges outside the face (at most MAX_EDGES), longest first. See bezelCue(). */
  edges?: StraightEdge[];
  /** The face box the edges are measured against: centre from the image centre, and width, in image px. */
  face?: { x: number; y: number; width: number };
  /**
   * Strongest periodic component of the face's texture: log10 of the largest spectral peak over the
   * median power of its own frequency ring (periods of 2-8 px, axes and JPEG's 8-px grid left out). The
   * genuine clips of the evaluation gave 1.24-1.52 (median of the key frames), rendered screens up to
   * 2.5 (SCREEN_CUE_THRESHOLD). NaN when the face is too small to measure (a 32 px patch).
   */
  moire: number;
}

const MIN_PATCH = 32;
const MAX_PATCH = 64;

/** In-place radix-2 FFT of (re, im), length a power of two. */
function fft(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j] as number, re[i] as number];
      [im[i], im[j]] = [im[j] as number, im[i] as number];
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const ang = (-2 * Math.PI) / len;
    const wr = Math.cos(ang);
    const wi = Math.sin(ang);
    for (let i = 0; i < n; i += len) {
      let cr = 1;
      let ci = 0;
      for (let k = 0; k < len / 2; k++) {
        const a = i + k;
        const b = a + len / 2;
        const xr = (re[b] as number) * cr - (im[b] as number) * ci;
        const xi = (re[b] as number) * ci + (im[b] as number) * cr;
        re[b] = (re[a] as number) - xr;
        im[b] = (im[a] as number) - xi;
        re[a] = (re[a] as number) + xr;
        im[a] = (im[a] as number) + xi;
        const t = cr * wr - ci * wi;
        ci = cr * wi + ci * wr;
        cr = t;
      }
    }
  }
}

/** Power spectrum of an n×n patch (rows then columns). */
function powerSpectrum(patch: Float64Array, n: number): Float64Array {
  const re = Float64Array.from(patch);
  const im = new Float64Array(n * n);
  const rr = new Float64Array(n);
  const ri = new Float64Array(n);
  for (let pass = 0; pass < 2; pass++) {
    for (let k = 0; k < n; k++) {
      for (let i = 0; i < n; i++) {
        const idx = pass === 0 ? k * n + i : i * n + k;
        rr[i] = re[idx] as number;
        ri[i] = im[idx] as number;
      }
      fft(rr, ri);
      for (let i = 0; i < n; i++) {
        const idx = pass === 0 ? k * n + i : i * n + k;
        re[idx] = rr[i] as number;
        im[idx] = ri[i] as number;
      }
    }
  }
  const p = new Float64Array(n * n);
  for (let i = 0; i < p.length; i++) p[i] = (re[i] as number) ** 2 + (im[i] as number) ** 2;
  return p;
}

/**
 * Screen cues inside a face box ([x, y, width, height] in the image's pixels): the central part of the
 * box (cheeks, nose, forehead), at the image's own resolution, so nothing resamples the pattern away.
 */
export function screenCues(img: RgbImage, box: readonly [number, number, number, number]): ScreenCues {
  return {
    moire: moire(img, box),
    edges: straightEdges(img, box),
    face: { x: box[0] + box[2] / 2 - img.width / 2, y: box[1] + box[3] / 2 - img.height / 2, width: box[2] },
  };
}

function moire(img: RgbImage, box: readonly [number, number, number, number]): number {
  const side = Math.min(box[2], box[3]) * 0.6;
  let n = MAX_PATCH;
  while (n > side && n > MIN_PATCH) n >>= 1;
  if (n > side) return Number.NaN;
  const x0 = Math.round(box[0] + box[2] / 2 - n / 2);
  const y0 = Math.round(box[1] + box[3] / 2 - n / 2);
  if (x0 < 0 || y0 < 0 || x0 + n > img.width || y0 + n > img.height) return Number.NaN;
  const patch = new Float64Array(n * n);
  let mean = 0;
  for (let y = 0; y < n; y++)
    for (let x = 0; x < n; x++) {
      const i = ((y0 + y) * img.width + x0 + x) * 3;
      const v =
        0.299 * (img.data[i] as number) +
        0.587 * (img.data[i + 1] as number) +
        0.114 * (img.data[i + 2] as number);
      patch[y * n + x] = v;
      mean += v / (n * n);
    }
  // Hann window: the patch's borders would otherwise add a cross of leakage to the spectrum.
  for (let y = 0; y < n; y++)
    for (let x = 0; x < n; x++) {
      const w = Math.sin((Math.PI * (x + 0.5)) / n) ** 2 * Math.sin((Math.PI * (y + 0.5)) / n) ** 2;
      patch[y * n + x] = ((patch[y * n + x] as number) - mean) * w;
    }
  const p = powerSpectrum(patch, n);
  // Whitened by the median power of each ring: the spectrum of natural texture falls with frequency, so
  // only a peak standing out of its own ring counts.
  const rings = new Map<number, { u: number; v: number; val: number }[]>();
  const grid = n / 8;
  for (let v = 0; v < n; v++)
    for (let u = 0; u < n / 2 + 1; u++) {
      const fv = v <= n / 2 ? v : v - n;
      // Periods of 2-8 px; the axes carry the patch's edges and JPEG's 8-px block grid the rest.
      const r = Math.round(Math.hypot(u, fv));
      if (r < n / 8 || r > n / 2) continue;
      if (u <= 1 || Math.abs(fv) <= 1) continue;
      if (u % grid === 0 && fv % grid === 0) continue;
      const ring = rings.get(r) ?? [];
      ring.push({ u, v: fv, val: p[v * n + u] as number });
      rings.set(r, ring);
    }
  let peak = 0;
  for (const ring of rings.values()) {
    if (ring.length < 8) continue;
    const sorted = ring.map((b) => b.val).sort((a, b) => a - b);
    const med = sorted[sorted.length >> 1] as number;
    if (med > 0) peak = Math.max(peak, (sorted[sorted.length - 1] as number) / med);
  }
  return peak > 0 ? Math.log10(peak) : Number.NaN;
}

/** Edges kept per frame. */
export const MAX_EDGES = 6;
/** Shortest edge kept, in face box widths (the detector's box is about 1.6 face widths). */
const MIN_EDGE_LENGTH = 0.4;
/** Share of the face box (about twice as wide as the face) whose pixels are left out: hair, ears and jaw are not edges. */
const FACE_MARGIN = 0.8;
const ANGLE_STEP_DEG = 2;
const RHO_BIN_PX = 2;

/**
 * The straight edges of the frame outside the face: thin edges (gradient maxima along the gradient,
 * above a contrast floor) vote in a Hough accumulator for lines whose normal matches their gradient;
 * the strongest lines, apart from each other, are returned. One frame cannot tell a print's margin from
 * a door frame: bezelCue() looks at how the edges move with the face over the key frames.
 */
export function straightEdges(img: RgbImage, box: readonly [number, number, number, number]): StraightEdge[] {
  // The cost is per pixel: the engine hands over frames of at most SEQUENCE_FRAME_MAX_SIDE (400 px).
  const { width: w, height: h } = img;
  const faceW = box[2];
  if (!(faceW > 0) || w < 8 || h < 8) return [];
  const grey = new Float32Array(w * h);
  for (let i = 0; i < w * h; i++)
    grey[i] =
      0.299 * (img.data[3 * i] as number) +
      0.587 * (img.data[3 * i + 1] as number) +
      0.114 * (img.data[3 * i + 2] as number);
  const gx = new Float32Array(w * h);
  const gy = new Float32Array(w * h);
  const at = (x: number, y: number) => grey[y * w + x] as number;
  for (let y = 1; y < h - 1; y++)
    for (let x = 1; x < w - 1; x++) {
      const i = y * w + x;
      gx[i] =
        at(x + 1, y - 1) +
        2 * at(x + 1, y) +
        at(x + 1, y + 1) -
        at(x - 1, y - 1) -
        2 * at(x - 1, y) -
        at(x - 1, y + 1);
      gy[i] =
        at(x - 1, y + 1) +
        2 * at(x, y + 1) +
        at(x + 1, y + 1) -
        at(x - 1, y - 1) -
        2 * at(x, y - 1) -
        at(x + 1, y - 1);
    }
  const cx = box[0] + box[2] / 2;
  const cy = box[1] + box[3] / 2;
  const halfW = (box[2] * FACE_MARGIN) / 2;
  const halfH = (box[3] * FACE_MARGIN) / 2;
  const nAngles = 180 / ANGLE_STEP_DEG;
  // rho in bins of RHO_BIN_PX; a line is scored over 3 bins, so an edge a degree off its angle bin or
  // a pixel off straight still counts whole.
  const diag = Math.ceil(Math.hypot(w, h) / 2 / RHO_BIN_PX);
  const nRho = 2 * diag + 1;
  const acc = new Float32Array(nAngles * nRho);
  const cos = Array.from({ length: nAngles }, (_, a) => Math.cos((a * ANGLE_STEP_DEG * Math.PI) / 180));
  const sin = Array.from({ length: nAngles }, (_, a) => Math.sin((a * ANGLE_STEP_DEG * Math.PI) / 180));
  // Contrast floor: a Sobel response of 80 is a step of 20 grey levels.
  const floor = 80;
  for (let y = 2; y < h - 2; y++)
    for (let x = 2; x < w - 2; x++) {
      if (Math.abs(x - cx) < halfW && Math.abs(y - cy) < halfH) continue;
      const i = y * w + x;
      const ex = gx[i] as number;
      const ey = gy[i] as number;
      const mag = Math.hypot(ex, ey);
      if (mag < floor) continue;
      // Thin: a maximum along its gradient (the nearest of the 4 directions).
      const ux = Math.round(ex / mag);
      const uy = Math.round(ey / mag);
      const j1 = (y + uy) * w + (x + ux);
      const j2 = (y - uy) * w + (x - ux);
      if (
        Math.hypot(gx[j1] as number, gy[j1] as number) > mag ||
        Math.hypot(gx[j2] as number, gy[j2] as number) > mag
      )
        continue;
      let theta = (Math.atan2(ey, ex) * 180) / Math.PI;
      if (theta < 0) theta += 180;
      if (theta >= 180) theta -= 180;
      const centre = Math.round(theta / ANGLE_STEP_DEG);
      // The normal within ±4° of the gradient's direction.
      for (let d = -2; d <= 2; d++) {
        const a = (((centre + d) % nAngles) + nAngles) % nAngles;
        const rho = (x - w / 2) * (cos[a] as number) + (y - h / 2) * (sin[a] as number);
        const r = Math.round(rho / RHO_BIN_PX) + diag;
        acc[a * nRho + r] = (acc[a * nRho + r] as number) + 1;
      }
    }
  const band = new Float32Array(acc.length);
  for (let a = 0; a < nAngles; a++)
    for (let r = 1; r < nRho - 1; r++) {
      const i = a * nRho + r;
      band[i] = (acc[i - 1] as number) + (acc[i] as number) + (acc[i + 1] as number);
    }
  const edges: StraightEdge[] = [];
  const minVotes = MIN_EDGE_LENGTH * faceW;
  const taken = new Uint8Array(acc.length);
  for (let k = 0; k < MAX_EDGES; k++) {
    let best = -1;
    let bestVotes = minVotes;
    for (let i = 0; i < band.length; i++)
      if (!taken[i] && (band[i] as number) >= bestVotes) {
        bestVotes = band[i] as number;
        best = i;
      }
    if (best < 0) break;
    const a = Math.floor(best / nRho);
    const r = (best % nRho) - diag;
    // Lines within 6° and 8 px of a kept one are the same edge.
    for (let da = -3; da <= 3; da++)
      for (let dr = -4; dr <= 4; dr++) {
        const aa = a + da;
        // Wrapping past 0°/180° flips the sign of rho.
        const [wa, sign] = aa < 0 ? [aa + nAngles, -1] : aa >= nAngles ? [aa - nAngles, -1] : [aa, 1];
        const rr = sign * (r + dr) + diag;
        if (rr >= 0 && rr < nRho) taken[wa * nRho + rr] = 1;
      }
    const angle = a * ANGLE_STEP_DEG;
    const c = cos[a] as number;
    const sn = sin[a] as number;
    const rho = r * RHO_BIN_PX;
    const faceRho = (rho - ((cx - w / 2) * c + (cy - h / 2) * sn)) / faceW;
    edges.push({ angle, rho, faceRho, length: bestVotes / faceW });
  }
  return edges;
}

/** What bezelCue() found over the key frames. */
export interface BezelCue {
  /**
   * The longest edge of the first key frame (face widths) that kept its place on the face, not in the
   * image, in every later key frame where the face moved enough to tell the two apart; 0 when none.
   */
  rigidEdgeLength: number;
  /** Edge comparisons where the face moved enough to tell (see EDGE_TOLERANCE). */
  informative: number;
  /** Of those, the edge was found where the face took it / where it was in the image. */
  movedWithFace: number;
  stayedInImage: number;
}

/** How far an edge may be from where a hypothesis puts it: degrees, and px plus a share of the face width. */
const EDGE_TOLERANCE = { angle: 4, px: 4, face: 0.06 };

interface EdgeFrame {
  screen?: ScreenCues;
  /** Eye corners give the face's rotation in the image. */
  landmarks?: Partial<Record<'rightEyeOuter' | 'leftEyeOuter', readonly [number, number]>>;
}

const eyeAngle = (f: EdgeFrame): number | undefined => {
  const a = f.landmarks?.rightEyeOuter;
  const b = f.landmarks?.leftEyeOuter;
  return a && b ? (Math.atan2(b[1] - a[1], b[0] - a[0]) * 180) / Math.PI : undefined;
};

/** The same line with its normal's angle brought into [0, 180) (rho changes sign when it flips). */
function canonical(angle: number, rho: number): [number, number] {
  let a = angle % 360;
  if (a < 0) a += 360;
  return a >= 180 ? [a - 180, -rho] : [a, rho];
}

function near(e: StraightEdge, angle: number, rho: number, faceWidth: number): boolean {
  const [a, r] = canonical(angle, rho);
  let da = Math.abs(e.angle - a);
  let dr = Math.abs(e.rho - r);
  if (da > 90) {
    da = 180 - da;
    dr = Math.abs(e.rho + r);
  }
  return da <= EDGE_TOLERANCE.angle && dr <= EDGE_TOLERANCE.px + EDGE_TOLERANCE.face * faceWidth;
}

/**
 * Bezel and print-edge cue over a sequence's key frames: a picture held in front of the camera carries
 * its own straight edges (a margin, a bezel, the straight things photographed with the face) rigidly
 * with the face, while a real head moves in front of a background whose edges stay where they are. Each
 * long edge of the first key frame is looked for in every later key frame at two places: where the
 * face's movement (shift, scale and rotation of the face box and eye line) takes it, and where it was in
 * the image. Only comparisons where those places differ count. Reported only (see the screen_cues check).
 */
export function bezelCue(frames: readonly EdgeFrame[]): BezelCue {
  const keys = frames.filter((f) => f.screen?.edges && f.screen.face && eyeAngle(f) !== undefined);
  const out: BezelCue = { rigidEdgeLength: 0, informative: 0, movedWithFace: 0, stayedInImage: 0 };
  const first = keys[0];
  if (!first?.screen?.face || !first.screen.edges) return out;
  const roll0 = eyeAngle(first) as number;
  for (const e of first.screen.edges) {
    let informative = 0;
    let withFace = 0;
    for (const k of keys.slice(1)) {
      const face = k.screen?.face as { x: number; y: number; width: number };
      const edges = k.screen?.edges as StraightEdge[];
      const angle = e.angle + ((eyeAngle(k) as number) - roll0);
      const rad = (angle * Math.PI) / 180;
      const rho = e.faceRho * face.width + face.x * Math.cos(rad) + face.y * Math.sin(rad);
      const probe: StraightEdge = { angle: e.angle, rho: e.rho, faceRho: 0, length: 0 };
      if (near(probe, angle, rho, face.width)) continue;
      informative++;
      const moved = edges.some((x) => near(x, angle, rho, face.width));
      const stayed = edges.some((x) => near(x, e.angle, e.rho, 0));
      if (moved) withFace++;
      out.movedWithFace += moved ? 1 : 0;
      out.stayedInImage += stayed ? 1 : 0;
    }
    out.informative += informative;
    if (informative > 0 && withFace === informative)
      out.rigidEdgeLength = Math.max(out.rigidEdgeLength, e.length);
  }
  return out;
}
