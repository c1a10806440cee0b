/**
 * dlib's face recognition ResNet (dlib_face_recognition_resnet_model_v1, 128-d) on the tfjs backend Human
 * already runs (wasm), with the weights as @vladmandic/face-api ships them (tfjs weights manifest, uint8
 * quantised). The network is the one face-api's FaceRecognitionNet runs; it is written out here (29 conv
 * layers, one dense layer) because face-api's own classes are bound to the tfjs copy bundled in its dist,
 * not to the tfjs-core instance Human's wasm backend is registered on.
 *
 * Input: a 150×150 RGB chip aligned the way dlib aligns for this model (get_face_chip_details(shape, 150,
 * 0.25) on its 5-point landmarks: both corners of both eyes and the base of the nose), here from the
 * matching facemesh points. Each conv's scale layer (dlib's affine layer) is folded into the conv's filters
 * and bias at load time, so one fused conv + bias + ReLU kernel runs per layer.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type * as TfCore from '@tensorflow/tfjs-core';

type Tf = typeof TfCore;
type Tensor4D = TfCore.Tensor4D;

const require = createRequire(import.meta.url);
const FACE_API_DIR = path.resolve(path.dirname(require.resolve('@vladmandic/face-api/package.json')));
const MODEL_DIR = path.join(FACE_API_DIR, 'model');
export const FACE_API_VERSION: string = (
  JSON.parse(await readFile(path.join(FACE_API_DIR, 'package.json'), 'utf8')) as { version: string }
).version;

export const DLIB_MODEL_ID = `face-api-${FACE_API_VERSION}/dlib-resnet-v1`;
export const DLIB_DIM = 128;
export const CHIP_SIZE = 150;
const CHIP_PADDING = 0.25;
const MEAN_RGB = [122.782, 117.001, 104.298] as const;

/**
 * dlib's reference positions (interpolation.h, get_face_chip_details, 5-point shapes) in image-left to
 * image-right order: outer and inner corner of the image-right eye, outer and inner corner of the
 * image-left eye, base of the nose. Unit square before padding.
 */
const DLIB_REFERENCE: readonly (readonly [number, number])[] = [
  [0.8595674595992, 0.2134981538014],
  [0.6460604764104, 0.2289674387677],
  [0.1205750620789, 0.2137274526848],
  [0.3340850613712, 0.2290642403242],
  [0.4901123135679, 0.6277975316475],
];
/**
 * The facemesh points at dlib's five: the subject's left eye (image right) outer 263 / inner 362, the
 * subject's right eye outer 33 / inner 133, and the subnasale 2.
 */
const MESH_POINTS = [263, 362, 33, 133, 2] as const;

interface ConvLayer {
  filter: TfCore.Tensor4D;
  bias: TfCore.Tensor1D;
}
interface Residual {
  conv1: ConvLayer;
  conv2: ConvLayer;
}
interface Params {
  conv32_down: ConvLayer;
  blocks: { name: string; down: boolean; params: Residual }[];
  fc: TfCore.Tensor2D;
}

const BLOCKS: readonly [string, boolean][] = [
  ['conv32_1', false],
  ['conv32_2', false],
  ['conv32_3', false],
  ['conv64_down', true],
  ['conv64_1', false],
  ['conv64_2', false],
  ['conv64_3', false],
  ['conv128_down', true],
  ['conv128_1', false],
  ['conv128_2', false],
  ['conv256_down', true],
  ['conv256_1', false],
  ['conv256_2', false],
  ['conv256_down_out', true],
];

export class DlibResNet {
  private constructor(
    private readonly tf: Tf,
    private readonly params: Params,
  ) {}

  /** Reads and dequantises face-api's face_recognition_model files into tensors of `tf`'s backend. */
  static async load(tf: Tf): Promise<DlibResNet> {
    const manifest = JSON.parse(
      await readFile(path.join(MODEL_DIR, 'face_recognition_model-weights_manifest.json'), 'utf8'),
    ) as { paths: string[]; weights: TfCore.io.WeightsManifestEntry[] }[];
    const group = manifest[0];
    const file = group?.paths.length === 1 ? group.paths[0] : undefined;
    if (!group || !file) throw new Error('Unexpected face_recognition_model manifest.');
    const bin = await readFile(path.join(MODEL_DIR, file));
    const buffer = bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) as ArrayBuffer;
    const map = tf.io.decodeWeights(buffer, group.weights);
    const take = <T extends TfCore.Tensor>(name: string): T => {
      const t = map[name];
      if (!t) throw new Error(`face_recognition_model has no weight "${name}".`);
      return t as T;
    };
    const conv = (prefix: string): ConvLayer =>
      tf.tidy(() => {
        const filters = take<TfCore.Tensor4D>(`${prefix}/conv/filters`);
        const bias = take<TfCore.Tensor1D>(`${prefix}/conv/bias`);
        const w = take<TfCore.Tensor1D>(`${prefix}/scale/weights`);
        const b = take<TfCore.Tensor1D>(`${prefix}/scale/biases`);
        // (conv(x) + bias) * w + b == conv'(x) + bias' with the output channels of the filters scaled by w.
        return {
          filter: tf.mul(filters, w) as TfCore.Tensor4D,
          bias: tf.add(tf.mul(bias, w), b) as TfCore.Tensor1D,
        };
      });
    const params: Params = {
      conv32_down: conv('conv32_down'),
      blocks: BLOCKS.map(([name, down]) => ({
        name,
        down,
        params: { conv1: conv(`${name}/conv1`), conv2: conv(`${name}/conv2`) },
      })),
      fc: take<TfCore.Tensor2D>('fc'),
    };
    for (const t of Object.values(map)) if (t !== params.fc) t.dispose();
    return new DlibResNet(tf, params);
  }

  /** The raw 128-d descriptor of one aligned chip (RGB, 0..255, CHIP_SIZE² × 3 values). */
  async describe(chip: Float32Array): Promise<Float32Array> {
    const { tf } = this;
    const out = tf.tidy(() => {
      const x = tf.tensor4d(chip, [1, CHIP_SIZE, CHIP_SIZE, 3], 'float32');
      const normalised = tf.div(tf.sub(x, tf.tensor1d(MEAN_RGB as unknown as number[])), 255) as Tensor4D;
      let h = this.conv(normalised, this.params.conv32_down, 2, 'valid', true);
      h = tf.maxPool(h, 3, 2, 'valid');
      for (const b of this.params.blocks)
        h = b.down ? this.residualDown(h, b.params) : this.residual(h, b.params);
      const pooled = tf.mean(h, [1, 2]) as TfCore.Tensor2D;
      return tf.matMul(pooled, this.params.fc);
    });
    try {
      return new Float32Array(await out.data());
    } finally {
      out.dispose();
    }
  }

  private conv(x: Tensor4D, p: ConvLayer, stride: 1 | 2, pad: 'same' | 'valid', relu: boolean): Tensor4D {
    return this.tf.fused.conv2d({
      x,
      filter: p.filter,
      strides: stride,
      pad,
      bias: p.bias,
      ...(relu ? { activation: 'relu' as const } : {}),
    });
  }

  private residual(x: Tensor4D, p: Residual): Tensor4D {
    const { tf } = this;
    const h = this.conv(this.conv(x, p.conv1, 1, 'same', true), p.conv2, 1, 'same', false);
    return tf.relu(tf.add(h, x));
  }

  /** Strided block: the shortcut is a 2×2 average pool, zero-padded to the new channel count. */
  private residualDown(x: Tensor4D, p: Residual): Tensor4D {
    const { tf } = this;
    let h = this.conv(this.conv(x, p.conv1, 2, 'valid', true), p.conv2, 1, 'same', false);
    let pooled = tf.avgPool(x, 2, 2, 'valid') as Tensor4D;
    // A 'valid' 3×3 stride-2 conv on an odd size gives one row/column fewer than the pool: pad with zeros
    // at the bottom/right, as face-api and dlib do.
    const dh = (pooled.shape[1] as number) - (h.shape[1] as number);
    const dw = (pooled.shape[2] as number) - (h.shape[2] as number);
    if (dh > 0 || dw > 0)
      h = tf.pad(h, [
        [0, 0],
        [0, dh],
        [0, dw],
        [0, 0],
      ]);
    const extra = (h.shape[3] as number) - (pooled.shape[3] as number);
    if (extra > 0)
      pooled = tf.pad(pooled, [
        [0, 0],
        [0, 0],
        [0, 0],
        [0, extra],
      ]);
    return tf.relu(tf.add(pooled, h));
  }
}

/** Similarity transform chip px → image px: x = a·u − b·v + tx, y = b·u + a·v + ty. */
export interface ChipTransform {
  a: number;
  b: number;
  tx: number;
  ty: number;
}

/** dlib's reference points in chip pixels (padding applied). */
const CHIP_POINTS = DLIB_REFERENCE.map(
  ([x, y]) =>
    [
      ((CHIP_PADDING + x) / (2 * CHIP_PADDING + 1)) * CHIP_SIZE,
      ((CHIP_PADDING + y) / (2 * CHIP_PADDING + 1)) * CHIP_SIZE,
    ] as const,
);

/** Least-squares similarity from dlib's reference points (in chip px) to the matching mesh points. */
export function chipTransform(mesh: readonly (readonly (number | undefined)[])[]): ChipTransform | null {
  const src: (readonly [number, number])[] = [];
  for (const i of MESH_POINTS) {
    const x = mesh[i]?.[0];
    const y = mesh[i]?.[1];
    if (x === undefined || y === undefined || !Number.isFinite(x) || !Number.isFinite(y)) return null;
    src.push([x, y]);
  }
  const n = CHIP_POINTS.length;
  let mu = 0;
  let mv = 0;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    const [u, v] = CHIP_POINTS[i] as readonly [number, number];
    const [x, y] = src[i] as readonly [number, number];
    mu += u / n;
    mv += v / n;
    mx += x / n;
    my += y / n;
  }
  let sa = 0;
  let sb = 0;
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const [cu, cv] = CHIP_POINTS[i] as readonly [number, number];
    const [cx, cy] = src[i] as readonly [number, number];
    const u = cu - mu;
    const v = cv - mv;
    const x = cx - mx;
    const y = cy - my;
    sa += u * x + v * y;
    sb += u * y - v * x;
    ss += u * u + v * v;
  }
  const a = sa / ss;
  const b = sb / ss;
  if (!Number.isFinite(a) || !Number.isFinite(b) || a * a + b * b === 0) return null;
  return { a, b, tx: mx - a * mu + b * mv, ty: my - b * mu - a * mv };
}

/**
 * Samples the aligned chip from an RGB image (bilinear; outside the image is black, as in dlib). When one
 * chip pixel spans several image pixels, averages a grid of samples inside it so a large face is not
 * aliased down to 150 px.
 */
export function extractChip(rgb: Uint8Array, width: number, height: number, t: ChipTransform): Float32Array {
  const out = new Float32Array(CHIP_SIZE * CHIP_SIZE * 3);
  const scale = Math.hypot(t.a, t.b);
  const k = Math.max(1, Math.min(6, Math.round(scale)));
  const inv = 1 / (k * k);
  // Sub-sample offsets inside a chip pixel; the image position of (u + du, v + dv) is affine in both.
  const offsets = Array.from({ length: k }, (_, s) => (s + 0.5) / k - 0.5);
  const maxX = width - 1;
  const maxY = height - 1;
  for (let v = 0; v < CHIP_SIZE; v++) {
    for (let u = 0; u < CHIP_SIZE; u++) {
      let r = 0;
      let g = 0;
      let bl = 0;
      for (const dv of offsets) {
        const vv = v + dv;
        for (const du of offsets) {
          const uu = u + du;
          const x = t.a * uu - t.b * vv + t.tx;
          const y = t.b * uu + t.a * vv + t.ty;
          const x0 = Math.floor(x);
          const y0 = Math.floor(y);
          const fx = x - x0;
          const fy = y - y0;
          if (x0 >= 0 && y0 >= 0 && x0 < maxX && y0 < maxY) {
            // All four neighbours inside: no bounds checks.
            const i00 = (y0 * width + x0) * 3;
            const i10 = i00 + 3;
            const i01 = i00 + width * 3;
            const i11 = i01 + 3;
            const w00 = (1 - fx) * (1 - fy);
            const w10 = fx * (1 - fy);
            const w01 = (1 - fx) * fy;
            const w11 = fx * fy;
            r +=
              w00 * (rgb[i00] as number) +
              w10 * (rgb[i10] as number) +
              w01 * (rgb[i01] as number) +
              w11 * (rgb[i11] as number);
            g +=
              w00 * (rgb[i00 + 1] as number) +
              w10 * (rgb[i10 + 1] as number) +
              w01 * (rgb[i01 + 1] as number) +
              w11 * (rgb[i11 + 1] as number);
            bl +=
              w00 * (rgb[i00 + 2] as number) +
              w10 * (rgb[i10 + 2] as number) +
              w01 * (rgb[i01 + 2] as number) +
              w11 * (rgb[i11 + 2] as number);
            continue;
          }
          // At the border: neighbours outside the image are black.
          for (let dy = 0; dy < 2; dy++) {
            const yy = y0 + dy;
            if (yy < 0 || yy > maxY) continue;
            const wy = dy ? fy : 1 - fy;
            for (let dx = 0; dx < 2; dx++) {
              const xx = x0 + dx;
              if (xx < 0 || xx > maxX) continue;
              const w = wy * (dx ? fx : 1 - fx);
              const i = (yy * width + xx) * 3;
              r += w * (rgb[i] as number);
              g += w * (rgb[i + 1] as number);
              bl += w * (rgb[i + 2] as number);
            }
          }
        }
      }
      const o = (v * CHIP_SIZE + u) * 3;
      out[o] = r * inv;
      out[o + 1] = g * inv;
      out[o + 2] = bl * inv;
    }
  }
  return out;
}
