/** Synthetic presentation attacks generated from real photos with sharp (for the liveness evaluation). */
import sharp from 'sharp';

async function raw(input: Buffer | string): Promise<{ data: Buffer; w: number; h: number }> {
  const { data, info } = await sharp(input)
    .rotate()
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, w: info.width, h: info.height };
}

function fromRaw(data: Buffer, w: number, h: number) {
  return sharp(data, { raw: { width: w, height: h, channels: 3 } });
}

/** Deterministic PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Photo printed on matte card: lower contrast, warm paper tint, paper grain, white border, held on a desk. */
export async function printAttack(input: Buffer | string, seed = 1): Promise<Buffer> {
  const { data, w, h } = await raw(input);
  const r = rng(seed);
  const out = Buffer.alloc(data.length);
  for (let i = 0; i < data.length; i += 3) {
    const grain = (r() - 0.5) * 18;
    out[i] = Math.max(0, Math.min(255, 30 + (data[i] as number) * 0.78 + grain + 6));
    out[i + 1] = Math.max(0, Math.min(255, 30 + (data[i + 1] as number) * 0.76 + grain + 2));
    out[i + 2] = Math.max(0, Math.min(255, 28 + (data[i + 2] as number) * 0.7 + grain - 4));
  }
  const border = Math.round(Math.min(w, h) * 0.06);
  const card = await fromRaw(out, w, h)
    .blur(0.6)
    .extend({
      top: border,
      bottom: border,
      left: border,
      right: border,
      background: { r: 236, g: 232, b: 222 },
    })
    .png()
    .toBuffer();
  const pad = Math.round(Math.min(w, h) * 0.12);
  return sharp(card)
    .extend({ top: pad, bottom: pad, left: pad, right: pad, background: { r: 92, g: 78, b: 66 } })
    .rotate(4, { background: { r: 92, g: 78, b: 66 } })
    .resize(w, h, { fit: 'cover' })
    .jpeg({ quality: 88 })
    .toBuffer();
}

/** Photo of a screen: RGB sub-pixel stripes, moiré from a slightly rotated pixel grid, blue cast, glow. */
export async function screenAttack(input: Buffer | string): Promise<Buffer> {
  const { data, w, h } = await raw(input);
  const out = Buffer.alloc(data.length);
  const angle = 0.07;
  const ca = Math.cos(angle);
  const sa = Math.sin(angle);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 3;
      const u = x * ca + y * sa;
      const v = -x * sa + y * ca;
      const grid =
        0.72 + 0.28 * Math.abs(Math.sin((u * Math.PI) / 2.6)) * Math.abs(Math.sin((v * Math.PI) / 2.6));
      const sub = Math.floor(u) % 3;
      for (let c = 0; c < 3; c++) {
        const subGain = c === sub ? 1.08 : 0.92;
        const tint = c === 2 ? 1.08 : c === 0 ? 0.94 : 1;
        out[i + c] = Math.max(0, Math.min(255, ((data[i + c] as number) * grid * subGain * tint + 14) | 0));
      }
    }
  }
  return fromRaw(out, w, h).blur(0.5).jpeg({ quality: 85 }).toBuffer();
}

/** Halftone print: each channel thresholded against a rotated dot screen (as in offset printing). */
export async function halftoneAttack(input: Buffer | string, cell = 4): Promise<Buffer> {
  const { data, w, h } = await raw(input);
  const out = Buffer.alloc(data.length);
  const angles = [0.26, 1.31, 0.79]; // 15, 75, 45 degrees
  for (let c = 0; c < 3; c++) {
    const a = angles[c] as number;
    const ca = Math.cos(a);
    const sa = Math.sin(a);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const i = (y * w + x) * 3 + c;
        const u = ((x * ca + y * sa) / cell) % 1;
        const v = ((-x * sa + y * ca) / cell) % 1;
        const du = (u < 0 ? u + 1 : u) - 0.5;
        const dv = (v < 0 ? v + 1 : v) - 0.5;
        const dot = Math.sqrt(du * du + dv * dv) / Math.SQRT1_2; // 0 centre .. 1 corner
        const ink = 1 - (data[i] as number) / 255;
        out[i] = dot < ink ? 20 : 245;
      }
    }
  }
  return fromRaw(out, w, h).blur(0.7).jpeg({ quality: 90 }).toBuffer();
}

/** Re-photographed photo: resolution loss, defocus, glare gradient, gamma shift, heavy JPEG. */
export async function rephotoAttack(input: Buffer | string): Promise<Buffer> {
  const meta = await sharp(input).rotate().metadata();
  const w = meta.autoOrient?.width ?? meta.width ?? 0;
  const h = meta.autoOrient?.height ?? meta.height ?? 0;
  const small = await sharp(input)
    .rotate()
    .resize(Math.max(32, Math.round(w * 0.35)))
    .toBuffer();
  const glare = Buffer.from(
    `<svg width="${w}" height="${h}"><defs><radialGradient id="g" cx="70%" cy="25%" r="45%"><stop offset="0%" stop-color="white" stop-opacity="0.55"/><stop offset="100%" stop-color="white" stop-opacity="0"/></radialGradient></defs><rect width="100%" height="100%" fill="url(#g)"/></svg>`,
  );
  const base = await sharp(small).resize(w, h).blur(1.2).gamma(2.2, 1.9).png().toBuffer();
  return sharp(base)
    .composite([{ input: glare, blend: 'over' }])
    .jpeg({ quality: 35 })
    .toBuffer();
}

export const ATTACKS = {
  print: (b: Buffer, i: number) => printAttack(b, i + 1),
  screen: (b: Buffer) => screenAttack(b),
  halftone: (b: Buffer) => halftoneAttack(b),
  rephoto: (b: Buffer) => rephotoAttack(b),
} as const;
