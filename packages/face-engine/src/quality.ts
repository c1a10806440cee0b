import sharp from 'sharp';

export interface RawImage {
  /** RGB, 3 channels, row-major */
  data: Uint8Array;
  width: number;
  height: number;
}

export interface QualityMeasures {
  faceSizePx: number;
  brightness: number;
  overexposed: number;
  sharpness: number;
  outside: number;
}

const SHARP_SIDE = 112;

/** Variance of the 4-neighbour Laplacian of a grey image. */
export function laplacianVariance(grey: Uint8Array, w: number, h: number): number {
  let sum = 0;
  let sum2 = 0;
  let n = 0;
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const i = y * w + x;
      const v =
        (grey[i - 1] as number) +
        (grey[i + 1] as number) +
        (grey[i - w] as number) +
        (grey[i + w] as number) -
        4 * (grey[i] as number);
      sum += v;
      sum2 += v * v;
      n++;
    }
  }
  if (n === 0) return 0;
  const m = sum / n;
  return sum2 / n - m * m;
}

/**
 * Measures the face region: size in original pixels, luma statistics over the central part of the box,
 * sharpness on a crop normalised to 112x112, and the share of mesh points outside the image (cut-off face).
 */
export async function assessQuality(
  img: RawImage,
  box: readonly [number, number, number, number],
  mesh: readonly (readonly [number, number, number?])[] | undefined,
  scale: number,
): Promise<QualityMeasures> {
  const [bx, by, bw, bh] = box;
  // Share of landmarks (or, without a mesh, of the box) lying outside the image.
  let outside = 0;
  if (mesh && mesh.length > 0) {
    let out = 0;
    for (const p of mesh) if (p[0] < 0 || p[1] < 0 || p[0] >= img.width || p[1] >= img.height) out++;
    outside = out / mesh.length;
  } else {
    const ix = Math.max(0, Math.min(img.width, bx + bw) - Math.max(0, bx));
    const iy = Math.max(0, Math.min(img.height, by + bh) - Math.max(0, by));
    outside = 1 - (ix * iy) / Math.max(1, bw * bh);
  }
  // Central 60% of the box, clamped: skin, eyes, nose, mouth; little background or hair.
  const x0 = Math.max(0, Math.floor(bx + bw * 0.2));
  const y0 = Math.max(0, Math.floor(by + bh * 0.2));
  const x1 = Math.min(img.width, Math.ceil(bx + bw * 0.8));
  const y1 = Math.min(img.height, Math.ceil(by + bh * 0.8));
  let lsum = 0;
  let clipped = 0;
  let count = 0;
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const i = (y * img.width + x) * 3;
      const l =
        0.299 * (img.data[i] as number) +
        0.587 * (img.data[i + 1] as number) +
        0.114 * (img.data[i + 2] as number);
      lsum += l;
      if (l >= 250) clipped++;
      count++;
    }
  }
  const brightness = count ? lsum / count / 255 : 0;
  const overexposed = count ? clipped / count : 0;

  let sharpness = 0;
  const cx0 = Math.max(0, Math.floor(bx));
  const cy0 = Math.max(0, Math.floor(by));
  const cw = Math.min(img.width, Math.ceil(bx + bw)) - cx0;
  const ch = Math.min(img.height, Math.ceil(by + bh)) - cy0;
  if (cw >= 4 && ch >= 4) {
    const grey = await sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength), {
      raw: { width: img.width, height: img.height, channels: 3 },
    })
      .extract({ left: cx0, top: cy0, width: cw, height: ch })
      .resize(SHARP_SIDE, SHARP_SIDE, { fit: 'fill', kernel: 'linear' })
      .greyscale()
      .raw()
      .toBuffer();
    sharpness = laplacianVariance(
      new Uint8Array(grey.buffer, grey.byteOffset, grey.byteLength),
      SHARP_SIDE,
      SHARP_SIDE,
    );
  }
  return { faceSizePx: Math.min(bw, bh) * scale, brightness, overexposed, sharpness, outside };
}
