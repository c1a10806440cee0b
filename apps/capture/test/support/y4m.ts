/**
 * Writes a YUV4MPEG2 file (what Chromium's fake camera plays with --use-file-for-fake-video-capture)
 * from a still image: the image is fitted into the frame on a grey background, converted to I420
 * (BT.601 limited range, as Chromium's decoder expects) and repeated a few times.
 */
import { writeFile } from 'node:fs/promises';
import sharp from 'sharp';

export interface Y4mOptions {
  width?: number;
  height?: number;
  frames?: number;
  /** Multiplies every RGB value (e.g. 0.12 for a dark room). */
  gain?: number;
}

export async function imageToY4m(
  source: string | null,
  file: string,
  opts: Y4mOptions = {},
): Promise<string> {
  const width = opts.width ?? 640;
  const height = opts.height ?? 480;
  const frames = opts.frames ?? 3;
  const gain = opts.gain ?? 1;
  const grey = { r: 128, g: 128, b: 128 };
  const img = source
    ? sharp(source).resize(width, height, { fit: 'contain', background: grey })
    : sharp({ create: { width, height, channels: 3, background: grey } });
  const { data } = await img.removeAlpha().raw().toBuffer({ resolveWithObject: true });

  const ySize = width * height;
  const cw = width / 2;
  const ch = height / 2;
  const frame = Buffer.alloc(ySize + 2 * cw * ch);
  const rgb = (x: number, y: number): [number, number, number] => {
    const i = (y * width + x) * 3;
    return [(data[i] ?? 0) * gain, (data[i + 1] ?? 0) * gain, (data[i + 2] ?? 0) * gain];
  };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [r, g, b] = rgb(x, y);
      frame[y * width + x] = Math.round(16 + (65.481 * r + 128.553 * g + 24.966 * b) / 255);
    }
  }
  for (let y = 0; y < ch; y++) {
    for (let x = 0; x < cw; x++) {
      // Chroma of the 2x2 block, averaged.
      let r = 0;
      let g = 0;
      let b = 0;
      for (const [dx, dy] of [
        [0, 0],
        [1, 0],
        [0, 1],
        [1, 1],
      ] as const) {
        const p = rgb(2 * x + dx, 2 * y + dy);
        r += p[0] / 4;
        g += p[1] / 4;
        b += p[2] / 4;
      }
      frame[ySize + y * cw + x] = Math.round(128 + (-37.797 * r - 74.203 * g + 112 * b) / 255);
      frame[ySize + cw * ch + y * cw + x] = Math.round(128 + (112 * r - 93.786 * g - 18.214 * b) / 255);
    }
  }
  const header = Buffer.from(`YUV4MPEG2 W${width} H${height} F30:1 Ip A1:1 C420jpeg\n`, 'ascii');
  const frameHeader = Buffer.from('FRAME\n', 'ascii');
  const parts: Buffer[] = [header];
  for (let i = 0; i < frames; i++) parts.push(frameHeader, frame);
  await writeFile(file, Buffer.concat(parts));
  return file;
}
