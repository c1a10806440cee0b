/**
 * Presentation attacks on the active liveness check, rendered from real frames (src/eval/liveness.ts):
 * a still printed or shown on a screen and moved in front of the camera as a flat object, a genuine clip
 * replayed on a screen, and a still wrapped round a cylinder that turns (a warped "turn"). Every frame is
 * rendered by inverse mapping through the object's geometry (bilinear sampling, no prefilter: a screen's
 * pixel grid minified by the camera aliases into moiré, as it does in a real camera), then blurred and
 * JPEG-compressed like a webcam frame.
 */
import sharp from 'sharp';
import { invert3, type Mat3, mul3 } from '../liveness/linalg.js';
import { rng } from './attacks.js';

export interface Rgb {
  data: Uint8Array;
  width: number;
  height: number;
}

export async function decodeRgb(jpeg: Buffer): Promise<Rgb> {
  const { data, info } = await sharp(jpeg).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return {
    data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    width: info.width,
    height: info.height,
  };
}

export type Surface = 'print' | 'screen';

/**
 * The object's surface as the camera would see it at rest: a print (paper tone, grain, white margin) or a
 * screen (each image pixel drawn as 3×3 device pixels with RGB sub-pixel stripes, a black bezel, backlight
 * tint). Returned with the factor from image pixels to surface pixels and the image's offset in it.
 */
export function renderSurface(
  img: Rgb,
  surface: Surface,
  seed: number,
): { tex: Rgb; scale: number; offset: number } {
  const r = rng(seed);
  if (surface === 'print') {
    const margin = Math.round(Math.min(img.width, img.height) * 0.06);
    const w = img.width + 2 * margin;
    const h = img.height + 2 * margin;
    const out = new Uint8Array(w * h * 3);
    const contrast = 0.72 + 0.12 * r();
    const tint = [6 + 6 * r(), 2 + 4 * r(), -4 - 4 * r()];
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const o = (y * w + x) * 3;
        const sx = x - margin;
        const sy = y - margin;
        const inside = sx >= 0 && sy >= 0 && sx < img.width && sy < img.height;
        const grain = (r() - 0.5) * 16;
        for (let c = 0; c < 3; c++) {
          const v = inside
            ? 32 + (img.data[(sy * img.width + sx) * 3 + c] as number) * contrast + (tint[c] as number)
            : 236 - c * 4;
          out[o + c] = clamp(v + grain);
        }
      }
    return { tex: { data: out, width: w, height: h }, scale: 1, offset: margin };
  }
  const k = 3;
  const bezel = Math.round(Math.min(img.width, img.height) * 0.07) * k;
  const w = img.width * k + 2 * bezel;
  const h = img.height * k + 2 * bezel;
  const out = new Uint8Array(w * h * 3);
  const gain = 0.9 + 0.15 * r();
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const o = (y * w + x) * 3;
      const sx = Math.floor((x - bezel) / k);
      const sy = Math.floor((y - bezel) / k);
      if (sx < 0 || sy < 0 || sx >= img.width || sy >= img.height) {
        out[o] = 18;
        out[o + 1] = 18;
        out[o + 2] = 20;
        continue;
      }
      const sub = (x - bezel) % k;
      // Gaps between device pixels (the black matrix) on the last row of each pixel.
      const row = (y - bezel) % k === k - 1 ? 0.8 : 1;
      for (let c = 0; c < 3; c++) {
        const lit = c === sub ? 1.3 : 0.85;
        const backlight = c === 2 ? 1.06 : 1;
        out[o + c] = clamp(
          (img.data[(sy * img.width + sx) * 3 + c] as number) * lit * row * gain * backlight * 0.95 + 10,
        );
      }
    }
  return { tex: { data: out, width: w, height: h }, scale: k, offset: bezel };
}

const clamp = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : v | 0);

/** A room-like background: a lit wall with a few darker shapes and sensor noise. */
export function renderBackground(width: number, height: number, seed: number): Rgb {
  const r = rng(seed);
  const base = [90 + 80 * r(), 85 + 70 * r(), 80 + 60 * r()];
  const lx = r() * width;
  const shapes = Array.from({ length: 4 }, () => ({
    x: r() * width,
    y: r() * height,
    w: 40 + r() * 160,
    h: 40 + r() * 160,
    dark: 0.5 + 0.4 * r(),
  }));
  const out = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      let f = 0.75 + 0.35 * Math.exp(-(((x - lx) / width) ** 2) * 3);
      for (const s of shapes) if (x >= s.x && x < s.x + s.w && y >= s.y && y < s.y + s.h) f *= s.dark;
      const o = (y * width + x) * 3;
      for (let c = 0; c < 3; c++) out[o + c] = clamp((base[c] as number) * f + (r() - 0.5) * 6);
    }
  return { data: out, width, height };
}

function sampleBilinear(tex: Rgb, x: number, y: number, out: Uint8Array, o: number): boolean {
  if (!(x >= 0 && y >= 0 && x < tex.width - 1 && y < tex.height - 1)) return false;
  const x0 = x | 0;
  const y0 = y | 0;
  const fx = x - x0;
  const fy = y - y0;
  const i = (y0 * tex.width + x0) * 3;
  const j = i + tex.width * 3;
  for (let c = 0; c < 3; c++) {
    const a = (tex.data[i + c] as number) * (1 - fx) + (tex.data[i + 3 + c] as number) * fx;
    const b = (tex.data[j + c] as number) * (1 - fx) + (tex.data[j + 3 + c] as number) * fx;
    out[o + c] = (a * (1 - fy) + b * fy) | 0;
  }
  return true;
}

/** Pose of a flat object in front of the camera, per frame. */
export interface PlanePose {
  /** Shift of the object's centre on screen, px. */
  tx: number;
  ty: number;
  /** Degrees: roll in the image plane, tilt about the horizontal and the vertical axis. */
  roll: number;
  tiltX: number;
  tiltY: number;
  /** Apparent size over the object at rest. */
  zoom: number;
}

const rad = (d: number) => (d * Math.PI) / 180;

/**
 * Homography from surface pixels to output pixels: the surface centred on `centre` (surface px), rotated,
 * at the depth where `zoom` 1 shows one image pixel per output pixel, seen by a pinhole camera with focal
 * length 1.2 × the output width.
 */
export function planeHomography(
  p: PlanePose,
  centre: readonly [number, number],
  scale: number,
  width: number,
  height: number,
): Mat3 {
  const f = 1.2 * width;
  const d = (f * scale) / p.zoom;
  const [cr, sr] = [Math.cos(rad(p.roll)), Math.sin(rad(p.roll))];
  const [cx, sx] = [Math.cos(rad(p.tiltX)), Math.sin(rad(p.tiltX))];
  const [cy, sy] = [Math.cos(rad(p.tiltY)), Math.sin(rad(p.tiltY))];
  // R = Rz(roll) · Ry(tiltY) · Rx(tiltX)
  const rx: Mat3 = [1, 0, 0, 0, cx, -sx, 0, sx, cx];
  const ry: Mat3 = [cy, 0, sy, 0, 1, 0, -sy, 0, cy];
  const rz: Mat3 = [cr, -sr, 0, sr, cr, 0, 0, 0, 1];
  const rot = mul3(rz, mul3(ry, rx));
  const t = [(p.tx * d) / f, (p.ty * d) / f, d];
  const rt: Mat3 = [
    rot[0],
    rot[1],
    t[0] as number,
    rot[3],
    rot[4],
    t[1] as number,
    rot[6],
    rot[7],
    t[2] as number,
  ];
  const k: Mat3 = [f, 0, width / 2, 0, f, height / 2, 0, 0, 1];
  const shift: Mat3 = [1, 0, -centre[0], 0, 1, -centre[1], 0, 0, 1];
  return mul3(k, mul3(rt, shift));
}

/**
 * Draws the surface through a homography over the background, averaging 2×2 samples per output pixel
 * (the lens and sensor integrate over a pixel; point sampling alone would make every screen a test
 * pattern of moiré).
 */
export function warpPlane(tex: Rgb, h: Mat3, bg: Rgb): Rgb {
  const inv = invert3(h);
  const out = Uint8Array.from(bg.data);
  if (!inv) return { ...bg, data: out };
  const px = new Uint8Array(3);
  for (let y = 0; y < bg.height; y++)
    for (let x = 0; x < bg.width; x++) {
      let hits = 0;
      let r = 0;
      let g = 0;
      let b = 0;
      for (const [dx, dy] of SUBSAMPLES) {
        const sx = x + dx;
        const sy = y + dy;
        const w = inv[6] * sx + inv[7] * sy + inv[8];
        if (!(w > 0)) continue;
        const u = (inv[0] * sx + inv[1] * sy + inv[2]) / w;
        const v = (inv[3] * sx + inv[4] * sy + inv[5]) / w;
        if (!sampleBilinear(tex, u, v, px, 0)) continue;
        hits++;
        r += px[0] as number;
        g += px[1] as number;
        b += px[2] as number;
      }
      if (hits === 0) continue;
      const o = (y * bg.width + x) * 3;
      const keep = 4 - hits;
      out[o] = (r + keep * (out[o] as number)) / 4;
      out[o + 1] = (g + keep * (out[o + 1] as number)) / 4;
      out[o + 2] = (b + keep * (out[o + 2] as number)) / 4;
    }
  return { data: out, width: bg.width, height: bg.height };
}

const SUBSAMPLES = [
  [-0.25, -0.25],
  [0.25, -0.25],
  [-0.25, 0.25],
  [0.25, 0.25],
] as const;

/**
 * The surface wrapped round a vertical cylinder of `radius` (surface px) through `centre`, turned by
 * `turn` degrees about its axis: a picture whose face seems to turn, which one homography does not explain.
 */
export function warpCylinder(
  tex: Rgb,
  centre: readonly [number, number],
  scale: number,
  radius: number,
  turn: number,
  zoom: number,
  shift: readonly [number, number],
  bg: Rgb,
): Rgb {
  const out = Uint8Array.from(bg.data);
  const f = 1.2 * bg.width;
  const d = (f * scale) / zoom;
  const cx = bg.width / 2 + shift[0];
  const cy = bg.height / 2 + shift[1];
  // Column of the output for each angle on the cylinder (monotonic over the visible half).
  const steps = 720;
  const psi = new Float64Array(steps + 1);
  const xs = new Float64Array(steps + 1);
  for (let i = 0; i <= steps; i++) {
    const a = -Math.PI / 2 + (Math.PI * i) / steps;
    psi[i] = a;
    xs[i] = cx + (f * radius * Math.sin(a)) / (d + radius - radius * Math.cos(a));
  }
  for (let x = 0; x < bg.width; x++) {
    if (x < (xs[0] as number) || x > (xs[steps] as number)) continue;
    let lo = 0;
    let hi = steps;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if ((xs[mid] as number) <= x) lo = mid;
      else hi = mid;
    }
    const t = (x - (xs[lo] as number)) / Math.max(1e-9, (xs[hi] as number) - (xs[lo] as number));
    const a = (psi[lo] as number) * (1 - t) + (psi[hi] as number) * t;
    const z = d + radius - radius * Math.cos(a);
    const u = centre[0] + radius * (a - rad(turn));
    for (let y = 0; y < bg.height; y++) {
      const v = centre[1] + ((y - cy) * z) / f;
      sampleBilinear(tex, u, v, out, (y * bg.width + x) * 3);
    }
  }
  return { data: out, width: bg.width, height: bg.height };
}

/** Glare (a soft white spot), camera blur and JPEG, as a webcam frame of the scene. */
export async function cameraFrame(
  img: Rgb,
  o: { glare?: { x: number; y: number; r: number; a: number }; blur: number; quality: number },
): Promise<Buffer> {
  const data = Uint8Array.from(img.data);
  if (o.glare) {
    const g = o.glare;
    for (let y = 0; y < img.height; y++)
      for (let x = 0; x < img.width; x++) {
        const k = g.a * Math.exp(-((x - g.x) ** 2 + (y - g.y) ** 2) / (2 * g.r * g.r));
        if (k < 0.01) continue;
        const i = (y * img.width + x) * 3;
        for (let c = 0; c < 3; c++) data[i + c] = clamp((data[i + c] as number) * (1 - k) + 255 * k);
      }
  }
  let p = sharp(Buffer.from(data.buffer, data.byteOffset, data.byteLength), {
    raw: { width: img.width, height: img.height, channels: 3 },
  });
  if (o.blur >= 0.3) p = p.blur(o.blur);
  return p.jpeg({ quality: o.quality }).toBuffer();
}

/** A smooth random path: a random level plus two slow sinusoids over the sequence (u in 0..1). */
export function smoothPath(r: () => number, amplitude: number, centre = 0): (u: number) => number {
  const a1 = (r() - 0.5) * 2 * amplitude * 0.7;
  const a2 = (r() - 0.5) * 2 * amplitude * 0.3;
  const f1 = 0.5 + r() * 1.2;
  const f2 = 1 + r() * 2;
  const p1 = r() * Math.PI * 2;
  const p2 = r() * Math.PI * 2;
  const level = centre + (r() - 0.5) * amplitude * 0.4;
  return (u) => level + a1 * Math.sin(2 * Math.PI * f1 * u + p1) + a2 * Math.sin(2 * Math.PI * f2 * u + p2);
}
