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

export interface ScreenCues {
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
  const side = Math.min(box[2], box[3]) * 0.6;
  let n = MAX_PATCH;
  while (n > side && n > MIN_PATCH) n >>= 1;
  if (n > side) return { moire: Number.NaN };
  const x0 = Math.round(box[0] + box[2] / 2 - n / 2);
  const y0 = Math.round(box[1] + box[3] / 2 - n / 2);
  if (x0 < 0 || y0 < 0 || x0 + n > img.width || y0 + n > img.height) return { moire: Number.NaN };
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
  return { moire: peak > 0 ? Math.log10(peak) : Number.NaN };
}
