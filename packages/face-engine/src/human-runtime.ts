/**
 * In-process analysis with @vladmandic/human on the tfjs WebAssembly backend.
 * Runs inside each pool worker (one single-threaded wasm instance per worker).
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import sharp, { type Metadata } from 'sharp';
import { chipTransform, DLIB_MODEL_ID, DlibResNet, extractChip } from './dlib-resnet.js';
import { fail, sniffFormat } from './input.js';
import { type FrameLandmarks, landmarksFromMesh } from './liveness/landmarks.js';
import { estimatePose } from './liveness/pose.js';
import { type ScreenCues, screenCues } from './liveness/screen.js';
import { fuseConvBnRelu6, type GraphModelJson } from './model-fuse.js';
import { assessQuality, type RawImage } from './quality.js';
import type {
  AnalyzeOptions,
  Box,
  EngineLimits,
  FaceAnalysis,
  FaceAnalysisFail,
  Landmarks,
  Point,
  Timings,
} from './types.js';

const require = createRequire(import.meta.url);

/** Minimal view of the parts of Human's result we use. */
interface HumanFace {
  score: number;
  boxScore?: number;
  box: [number, number, number, number];
  mesh: [number, number, number?][];
  annotations: Record<string, [number, number, number?][]>;
  embedding?: number[];
  real?: number;
  live?: number;
  rotation?: { angle: { roll: number; yaw: number; pitch: number } } | null;
}
interface HumanTensor {
  dispose(): void;
}
interface HumanInstance {
  load(): Promise<void>;
  detect(
    input: HumanTensor,
    config?: Record<string, unknown>,
  ): Promise<{ face: HumanFace[]; error?: string | null }>;
  tf: {
    tensor3d(values: Float32Array, shape: [number, number, number], dtype: 'float32'): HumanTensor;
    getBackend(): string;
  };
  performance: Record<string, number>;
  version: string;
}

export const HUMAN_DIR = path.resolve(require.resolve('@vladmandic/human'), '../..');
const WASM_DIR = `${path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm'))}/`;
export const HUMAN_VERSION: string = JSON.parse(
  await readFile(path.join(HUMAN_DIR, 'package.json'), 'utf8').catch(() => '{"version":"unknown"}'),
).version;
/** faceres (HSE FaceRes) 1024-d descriptor, run by Human inside detect(). */
export const FACERES_MODEL_ID = `human-${HUMAN_VERSION}/faceres`;

/** Largest side handed to the detector; bigger images are downscaled first (coordinates are mapped back). */
const DETECT_MAX_SIDE = 1600;

const runtime = {
  fuseDescriptor: true,
  templateModel: DLIB_MODEL_ID,
  /** The models analyze() describes a face with (ids); the engine's model is always one of them. */
  describeModels: [DLIB_MODEL_ID, FACERES_MODEL_ID] as readonly string[],
};
/** Per-thread settings; call before the first getHuman(). */
export function configureRuntime(opts: {
  fuseDescriptor?: boolean;
  templateModel?: string;
  describeModels?: readonly string[];
}): void {
  if (opts.fuseDescriptor !== undefined) runtime.fuseDescriptor = opts.fuseDescriptor;
  if (opts.templateModel !== undefined) runtime.templateModel = opts.templateModel;
  if (opts.describeModels !== undefined) runtime.describeModels = opts.describeModels;
}

const FUSED_JSON = 'faceres-fused.json';
const FUSED_BIN = 'faceres-fused.bin';
/** In-memory model files served by the patched fetch (the rewritten faceres). */
const virtualFiles = new Map<string, Uint8Array>();

async function prepareFusedDescriptor(): Promise<void> {
  const dir = path.join(HUMAN_DIR, 'models');
  const json = JSON.parse(await readFile(path.join(dir, 'faceres.json'), 'utf8')) as GraphModelJson;
  const bin = await readFile(path.join(dir, 'faceres.bin'));
  const fused = fuseConvBnRelu6(json, bin, FUSED_BIN);
  virtualFiles.set(path.join(dir, FUSED_JSON), Buffer.from(JSON.stringify(fused.json)));
  virtualFiles.set(path.join(dir, FUSED_BIN), fused.weights);
}

let fetchPatched = false;
/** Node's fetch has no file:// support; tfjs io loads models with fetch, so serve file:// URLs from disk. */
function patchFetchForFileUrls(): void {
  if (fetchPatched) return;
  fetchPatched = true;
  const original = globalThis.fetch;
  globalThis.fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (url.startsWith('file://')) {
      const file = fileURLToPath(url);
      const body = virtualFiles.get(file) ?? (await readFile(file));
      return new Response(body, {
        status: 200,
        headers: { 'content-type': url.endsWith('.json') ? 'application/json' : 'application/octet-stream' },
      });
    }
    return original(input, init);
  }) as typeof fetch;
}

function humanConfig(): Record<string, unknown> {
  return {
    backend: 'wasm',
    wasmPath: WASM_DIR,
    modelBasePath: pathToFileURL(`${path.join(HUMAN_DIR, 'models')}/`).href,
    debug: false,
    async: false,
    cacheModels: false,
    cacheSensitivity: 0,
    warmup: 'none',
    filter: { enabled: false },
    face: {
      enabled: true,
      detector: {
        enabled: true,
        rotation: true,
        maxDetected: 10,
        minConfidence: 0.3,
        iouThreshold: 0.3,
        skipFrames: 0,
        skipTime: 0,
        return: false,
      },
      mesh: { enabled: true },
      iris: { enabled: false },
      attention: { enabled: false },
      description: {
        enabled: true,
        skipFrames: 0,
        skipTime: 0,
        ...(runtime.fuseDescriptor ? { modelPath: FUSED_JSON } : {}),
      },
      emotion: { enabled: false },
      antispoof: { enabled: true, skipFrames: 0, skipTime: 0 },
      liveness: { enabled: true, skipFrames: 0, skipTime: 0 },
      gear: { enabled: false },
    },
    body: { enabled: false },
    hand: { enabled: false },
    object: { enabled: false },
    gesture: { enabled: false },
    segmentation: { enabled: false },
  };
}

let humanPromise: Promise<HumanInstance> | null = null;
let dlib: DlibResNet | null = null;

/** Loads Human + models (and dlib's ResNet on Human's tfjs) once per thread. */
export function getHuman(): Promise<HumanInstance> {
  if (!humanPromise) {
    humanPromise = (async () => {
      patchFetchForFileUrls();
      if (runtime.fuseDescriptor) await prepareFusedDescriptor();
      // The wasm build is not in the package's exports map: load it by path.
      const mod = require(path.join(HUMAN_DIR, 'dist', 'human.node-wasm.js')) as {
        Human: new (cfg: Record<string, unknown>) => HumanInstance;
      };
      const human = new mod.Human(humanConfig());
      await human.load();
      if (human.tf.getBackend() !== 'wasm')
        throw new Error(`tfjs backend is ${human.tf.getBackend()}, expected wasm`);
      dlib = await DlibResNet.load(human.tf as unknown as Parameters<typeof DlibResNet.load>[0]);
      return human;
    })();
  }
  return humanPromise;
}

function mean(points: [number, number, number?][] | undefined): Point {
  if (!points || points.length === 0) return [Number.NaN, Number.NaN];
  let x = 0;
  let y = 0;
  for (const p of points) {
    x += p[0];
    y += p[1];
  }
  return [x / points.length, y / points.length];
}

function landmarksOf(face: HumanFace, scale: number): Landmarks | undefined {
  const a = face.annotations;
  const m = face.mesh;
  if (!a || !m || m.length < 300) return undefined;
  // Human's "left"/"right" are the subject's; we report image-left / image-right.
  const eyeA = mean([...(a.leftEyeUpper0 ?? []), ...(a.leftEyeLower0 ?? [])]);
  const eyeB = mean([...(a.rightEyeUpper0 ?? []), ...(a.rightEyeLower0 ?? [])]);
  const [imgLeftEye, imgRightEye] = eyeA[0] <= eyeB[0] ? [eyeA, eyeB] : [eyeB, eyeA];
  const nose = m[1] ?? m[4];
  const mA = m[61];
  const mB = m[291];
  if (!nose || !mA || !mB) return undefined;
  const [mouthL, mouthR] = mA[0] <= mB[0] ? [mA, mB] : [mB, mA];
  const s = (p: readonly [number, number, number?] | Point): Point => [p[0] * scale, p[1] * scale];
  return {
    leftEye: s(imgLeftEye),
    rightEye: s(imgRightEye),
    nose: s(nose),
    mouthLeft: s(mouthL),
    mouthRight: s(mouthR),
  };
}

function normalise(v: ArrayLike<number>): Float32Array {
  const out = new Float32Array(v.length);
  let n = 0;
  for (let i = 0; i < v.length; i++) n += (v[i] as number) * (v[i] as number);
  const inv = n > 0 ? 1 / Math.sqrt(n) : 0;
  for (let i = 0; i < v.length; i++) out[i] = (v[i] as number) * inv;
  return out;
}

const now = () => performance.now();

export interface DecodedImage extends RawImage {
  format: string;
  /** original (oriented) size */
  origWidth: number;
  origHeight: number;
  /** factor from working image px to original px */
  scale: number;
}

/** Decodes with sharp: header check first (pixel limit, format), then EXIF-oriented RGB. */
export async function decodeImage(
  bytes: Uint8Array,
  limits: EngineLimits,
  maxSide = DETECT_MAX_SIDE,
): Promise<DecodedImage | FaceAnalysisFail> {
  const sniffed = sniffFormat(bytes);
  if (!sniffed)
    return fail('INVALID_IMAGE', 'Unsupported or unrecognised image format; use JPEG, PNG or WebP.');
  const input = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let meta: Metadata;
  try {
    meta = await sharp(input, { limitInputPixels: false, failOn: 'none' }).metadata();
  } catch (err) {
    return fail('INVALID_IMAGE', `The image could not be read: ${(err as Error).message}`);
  }
  const w = meta.width ?? 0;
  const h = meta.height ?? 0;
  if (!w || !h) return fail('INVALID_IMAGE', 'The image has no dimensions.');
  if (w * h > limits.maxPixels) {
    return fail('IMAGE_TOO_LARGE', `The image is ${w}x${h} pixels; the limit is ${limits.maxPixels} pixels.`);
  }
  if (meta.format !== 'jpeg' && meta.format !== 'png' && meta.format !== 'webp') {
    return fail('INVALID_IMAGE', `Unsupported image format "${meta.format}".`);
  }
  try {
    const oriented = (meta.orientation ?? 1) >= 5;
    const ow = oriented ? h : w;
    const oh = oriented ? w : h;
    const scale = Math.max(ow, oh) > maxSide ? Math.max(ow, oh) / maxSide : 1;
    let pipe = sharp(input, { limitInputPixels: limits.maxPixels, failOn: 'truncated', pages: 1 })
      .rotate()
      .removeAlpha()
      .toColourspace('srgb');
    if (scale > 1) pipe = pipe.resize(Math.round(ow / scale), Math.round(oh / scale), { fit: 'fill' });
    const { data, info } = await pipe.raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) return fail('INVALID_IMAGE', `Unexpected channel count ${info.channels}.`);
    return {
      data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      width: info.width,
      height: info.height,
      format: meta.format,
      origWidth: ow,
      origHeight: oh,
      scale,
    };
  } catch (err) {
    const msg = (err as Error).message;
    if (/pixel limit/i.test(msg)) return fail('IMAGE_TOO_LARGE', `The image exceeds the pixel limit: ${msg}`);
    return fail('INVALID_IMAGE', `The image could not be decoded: ${msg}`);
  }
}

/** dlib's ResNet template of a face, on the chip aligned with its mesh; undefined without a full mesh. */
async function dlibTemplate(decoded: DecodedImage, face: HumanFace): Promise<Float32Array | undefined> {
  const transform = face.mesh && face.mesh.length >= 468 ? chipTransform(face.mesh) : null;
  if (!transform || !dlib) return undefined;
  return normalise(await dlib.describe(extractChip(decoded.data, decoded.width, decoded.height, transform)));
}

/**
 * The templates of one face, by model id: faceres when Human described the face, dlib's ResNet when the
 * engine stores it or `withDlib` asks for it (the liveness identity model). Each is L2-normalised.
 */
async function describeFace(
  decoded: DecodedImage,
  face: HumanFace,
  withDlib: boolean,
): Promise<Record<string, Float32Array>> {
  const templates: Record<string, Float32Array> = {};
  if (face.embedding?.length) templates[FACERES_MODEL_ID] = normalise(face.embedding);
  if (withDlib || runtime.describeModels.includes(DLIB_MODEL_ID)) {
    const t = await dlibTemplate(decoded, face);
    if (t) templates[DLIB_MODEL_ID] = t;
  }
  return templates;
}

/**
 * Per-call settings of the models that differ between a full analysis and a tracked frame. Human merges
 * a detect() config into its own for good, so every call states all of them.
 */
const FULL_PASS = {
  cacheSensitivity: 0,
  face: {
    detector: { skipFrames: 0, skipTime: 0 },
    description: { enabled: true },
    antispoof: { enabled: true },
    liveness: { enabled: true },
  },
} as const;

/**
 * A frame that follows another of the same sequence in the same worker: no detector (the face box comes
 * from the previous frame's mesh, Human's own video tracking), no descriptor, no passive models. Human
 * allows the reuse only when the image changed less than cacheSensitivity, hence the large value.
 */
const TRACKED_PASS = {
  cacheSensitivity: 1e9,
  face: {
    detector: { skipFrames: 1e6, skipTime: 1e12 },
    description: { enabled: false },
    antispoof: { enabled: false },
    liveness: { enabled: false },
  },
} as const;

/** A still analysed without faceres (the engine stores another model, and no sequence needs it). */
const FULL_PASS_WITHOUT_FACERES = {
  ...FULL_PASS,
  face: { ...FULL_PASS.face, description: { enabled: false } },
} as const;

/**
 * The detected frames of a sequence: as FULL_PASS without faceres (skipFrames 0 forces the detector), but
 * with the cache check on, so that Human records the frame; with it off, the next tracked frame is compared
 * with an older frame, and when that one had another size Human detects again.
 */
const SEQUENCE_DETECTED_PASS = { ...FULL_PASS_WITHOUT_FACERES, cacheSensitivity: 1e9 } as const;

/**
 * A tracked frame of a sequence that also gets the passive models: the mesh on the box of the
 * neighbouring frame tracked before it, then antispoof and liveness on that face.
 */
const TRACKED_PASSIVE_PASS = {
  ...TRACKED_PASS,
  face: { ...FULL_PASS_WITHOUT_FACERES.face, detector: TRACKED_PASS.face.detector },
} as const;

/**
 * Detection and mesh when no template or passive score is needed (a lost track; the cache check on, as for
 * SEQUENCE_DETECTED_PASS, so that the frame after it can be tracked).
 */
const DETECT_ONLY_PASS = {
  ...SEQUENCE_DETECTED_PASS,
  face: { ...SEQUENCE_DETECTED_PASS.face, antispoof: { enabled: false }, liveness: { enabled: false } },
} as const;

type Pass =
  | typeof FULL_PASS
  | typeof FULL_PASS_WITHOUT_FACERES
  | typeof SEQUENCE_DETECTED_PASS
  | typeof TRACKED_PASS
  | typeof TRACKED_PASSIVE_PASS
  | typeof DETECT_ONLY_PASS;

/** Every face Human finds in a decoded image (the tensor is freed whatever happens). */
async function detectFaces(decoded: DecodedImage, pass: Pass = FULL_PASS): Promise<HumanFace[]> {
  const human = await getHuman();
  // float32 directly: an int32 tensor is copied from the bytes, then cast to float32 again inside Human.
  const tensor = human.tf.tensor3d(
    Float32Array.from(decoded.data),
    [decoded.height, decoded.width, 3],
    'float32',
  );
  try {
    const res = await human.detect(tensor, pass as unknown as Record<string, unknown>);
    if (res.error) throw new Error(res.error);
    return res.face;
  } finally {
    tensor.dispose();
  }
}

/** Full analysis of encoded bytes (already size-checked by the caller). */
export async function analyzeBytes(
  bytes: Uint8Array,
  limits: EngineLimits,
  opts: AnalyzeOptions = {},
): Promise<FaceAnalysis> {
  const t0 = now();
  const decoded = await decodeImage(bytes, limits);
  const tDecode = now();
  if ('ok' in decoded) return { ...decoded, timings: { decode: tDecode - t0 } };
  const image = { width: decoded.origWidth, height: decoded.origHeight, format: decoded.format };
  const faceres = runtime.describeModels.includes(FACERES_MODEL_ID);
  const faces = await detectFaces(decoded, faceres ? FULL_PASS : FULL_PASS_WITHOUT_FACERES);
  const tDetectAll = now();
  const perf = (await getHuman()).performance;
  // Human keeps a model's last time when it does not run: faceres' counts only when it ran now.
  const embedMs = faceres ? (perf.description ?? 0) : 0;
  const liveMs = (perf.antispoof ?? 0) + (perf.liveness ?? 0);
  const detectMs = Math.max(0, tDetectAll - tDecode - embedMs - liveMs);
  const base: Partial<Timings> = { decode: tDecode - t0, detect: detectMs };

  const counted = dedupe(faces.filter((f) => detScore(f) >= limits.minDetectionScore));
  if (counted.length === 0) return { ...fail('NO_FACE'), image, faces: 0, timings: base };
  const sizeOf = (f: HumanFace) => Math.min(f.box[2], f.box[3]);
  counted.sort((a, b) => sizeOf(b) - sizeOf(a));
  const main = counted[0] as HumanFace;
  const significant = counted.filter((f) => sizeOf(f) >= limits.backgroundFaceRatio * sizeOf(main));
  if (significant.length > 1) {
    return {
      ...fail('MULTIPLE_FACES', `${significant.length} faces were found; exactly one is required.`),
      image,
      faces: significant.length,
      timings: base,
    };
  }
  const tq = now();
  const landmarks = landmarksOf(main, decoded.scale);
  const q = await assessQuality(decoded, main.box, main.mesh, decoded.scale);
  const quality = {
    detectionScore: detScore(main),
    faceSizePx: q.faceSizePx,
    interEyePx: landmarks
      ? Math.hypot(landmarks.rightEye[0] - landmarks.leftEye[0], landmarks.rightEye[1] - landmarks.leftEye[1])
      : Number.NaN,
    brightness: q.brightness,
    overexposed: q.overexposed,
    sharpness: q.sharpness,
    outside: q.outside,
    ...(main.rotation
      ? {
          yaw: (main.rotation.angle.yaw * 180) / Math.PI,
          pitch: (main.rotation.angle.pitch * 180) / Math.PI,
          roll: (main.rotation.angle.roll * 180) / Math.PI,
        }
      : {}),
  };
  const box = {
    x: main.box[0] * decoded.scale,
    y: main.box[1] * decoded.scale,
    width: main.box[2] * decoded.scale,
    height: main.box[3] * decoded.scale,
  };
  const tQuality = now();
  const timings: Timings = {
    decode: tDecode - t0,
    detect: detectMs,
    quality: tQuality - tq,
    liveness: liveMs,
    embed: embedMs,
    total: 0,
  };
  const face = { box, ...(landmarks ? { landmarks } : {}), quality };
  if (!opts.skipQualityChecks) {
    const gate = qualityGate(quality, limits);
    if (gate) return { ...gate, image, faces: 1, timings: { ...timings, total: now() - t0 } };
  }
  const tEmbed = now();
  // A liveness still needs the identity check's model (dlib's, LIVENESS_IDENTITY_MODEL) whatever is stored.
  const templates = await describeFace(decoded, main, opts.livenessStill === true);
  timings.embed += now() - tEmbed;
  const template = templates[runtime.templateModel];
  if (!template || (opts.livenessStill && !templates[DLIB_MODEL_ID])) {
    return {
      ...fail('NO_FACE', 'A face was detected but could not be described.'),
      image,
      faces: 1,
      timings,
    };
  }
  const antispoof = main.real ?? Number.NaN;
  const live = main.live ?? Number.NaN;
  timings.total = now() - t0;
  return {
    ok: true,
    face,
    liveness: {
      score: opts.skipLiveness ? Number.NaN : Math.sqrt(Math.max(0, antispoof) * Math.max(0, live)),
      components: { antispoof, liveness: live },
    },
    template,
    templates,
    image,
    timings,
  };
}

/** What one frame of a liveness sequence gives the checks (no quality gate: frames are small and moving). */
export interface FrameAnalysisOk {
  ok: true;
  width: number;
  height: number;
  faces: number;
  landmarks?: FrameLandmarks;
  /** dlib's template (LIVENESS_IDENTITY_MODEL, whatever the engine stores): what the identity check compares. */
  template?: Float32Array;
  passive?: { antispoof: number; liveness: number };
  /** Screen cues of the frame around the face (key frames only, see src/liveness/screen.ts). */
  screen?: ScreenCues;
  /** True when the face was tracked from the previous frame rather than detected. */
  tracked?: boolean;
  /** Human's own pose estimate in degrees (from the mesh's predicted depth), for comparison only. */
  meshAngles?: { yaw: number; pitch: number; roll: number };
}

export type FrameAnalysis = FrameAnalysisOk | FaceAnalysisFail;

/**
 * Largest side a sequence frame is analysed at: the size the liveness evaluation's clips and attacks were
 * analysed at (360-400 px), so its figures hold for what the server sees (the capture page sends 320 px);
 * 640 px frames cost ≈ 100 ms of CPU more per sequence at full size, while the detector sees 256 px and
 * the mesh 192 px whatever the frame.
 */
export const SEQUENCE_FRAME_MAX_SIDE = 400;

/**
 * How a frame of a sequence is analysed: `template` runs the detector (face count), the mesh, the passive
 * models, the screen cues and dlib's template (the liveness identity check's model, whatever the engine
 * stores); `key` the same without the template; `tracked` only the mesh, on the box of the neighbouring
 * frame tracked before it; `tracked-template` that mesh, then the passive models, the screen cues and the
 * template.
 */
export type SequenceFramePass = 'template' | 'key' | 'tracked' | 'tracked-template';

interface FramePlan {
  human: Pass;
  tracked: boolean;
  template: boolean;
  screen: boolean;
}

const FRAME_PLANS: Record<SequenceFramePass | 'lost', FramePlan> = {
  template: { human: SEQUENCE_DETECTED_PASS, tracked: false, template: true, screen: true },
  key: { human: SEQUENCE_DETECTED_PASS, tracked: false, template: false, screen: true },
  tracked: { human: TRACKED_PASS, tracked: true, template: false, screen: false },
  'tracked-template': { human: TRACKED_PASSIVE_PASS, tracked: true, template: true, screen: true },
  /** A tracked frame that lost the face, detected again for its mesh. */
  lost: { human: DETECT_ONLY_PASS, tracked: false, template: false, screen: false },
};

async function frameResult(
  decoded: DecodedImage,
  faces: HumanFace[],
  limits: EngineLimits,
  plan: FramePlan,
): Promise<FrameAnalysisOk> {
  const size = { width: decoded.origWidth, height: decoded.origHeight };
  const counted = dedupe(faces.filter((f) => detScore(f) >= limits.minDetectionScore));
  const sizeOf = (f: HumanFace) => Math.min(f.box[2], f.box[3]);
  counted.sort((a, b) => sizeOf(b) - sizeOf(a));
  const main = counted[0];
  const tracked = plan.tracked ? { tracked: true } : {};
  if (!main) return { ok: true, ...size, faces: 0, ...tracked };
  const significant = counted.filter((f) => sizeOf(f) >= limits.backgroundFaceRatio * sizeOf(main));
  const template = plan.template ? await dlibTemplate(decoded, main) : undefined;
  const deg = 180 / Math.PI;
  return {
    ok: true,
    ...size,
    faces: significant.length,
    ...tracked,
    ...(main.mesh && main.mesh.length >= 468
      ? { landmarks: landmarksFromMesh(main.mesh, decoded.scale) }
      : {}),
    ...(template ? { template } : {}),
    ...(main.real !== undefined && main.live !== undefined
      ? { passive: { antispoof: main.real, liveness: main.live } }
      : {}),
    ...(plan.screen ? { screen: screenCues(decoded, main.box) } : {}),
    ...(main.rotation
      ? {
          meshAngles: {
            yaw: main.rotation.angle.yaw * deg,
            pitch: main.rotation.angle.pitch * deg,
            roll: main.rotation.angle.roll * deg,
          },
        }
      : {}),
  };
}

/** Detection, mesh, template, passive scores and screen cues of the largest face of one frame. */
export async function analyzeFrameBytes(bytes: Uint8Array, limits: EngineLimits): Promise<FrameAnalysis> {
  const [r] = await analyzeFrameRun([{ bytes, pass: 'template' }], limits);
  return r as FrameAnalysis;
}

/**
 * Frames of one sequence in the order they are tracked in (forwards or backwards: each tracked frame is
 * a neighbour of the frame before it in the run), in this worker (the tracking state is the worker's, so
 * a run is one job). The first frame of a run has nothing to track from, so it is detected. A tracked
 * frame that loses the face is detected again (with a template if it was to have one).
 */
export async function analyzeFrameRun(
  frames: readonly { bytes: Uint8Array; pass: SequenceFramePass }[],
  limits: EngineLimits,
): Promise<FrameAnalysis[]> {
  const out: FrameAnalysis[] = [];
  // Face size (pose scale) at the run's last detection: Human keeps a tracked box at the detected size.
  let detectedScale = Number.NaN;
  for (const [i, f] of frames.entries()) {
    const decoded = await decodeImage(f.bytes, limits, SEQUENCE_FRAME_MAX_SIDE);
    if ('ok' in decoded) {
      out.push(decoded);
      continue;
    }
    // Nothing to track from at the start of a run: detect instead.
    const wanted =
      i > 0 ? f.pass : f.pass === 'tracked' ? 'key' : f.pass === 'tracked-template' ? 'template' : f.pass;
    const plan = FRAME_PLANS[wanted];
    let result = await frameResult(decoded, await detectFaces(decoded, plan.human), limits, plan);
    const scale = faceScale(result);
    if (plan.tracked && (!result.landmarks || !withinTrackedScale(scale, detectedScale))) {
      const again = plan.template ? FRAME_PLANS.template : FRAME_PLANS.lost;
      result = await frameResult(decoded, await detectFaces(decoded, again.human), limits, again);
      detectedScale = faceScale(result);
    } else if (!plan.tracked) detectedScale = scale;
    out.push(result);
  }
  return out;
}

/**
 * Largest change of face size (HeadPose.scale, which does not shrink as the head turns) since the run's
 * last detection that a tracked frame keeps: past it the box Human tracks with, still the detected size,
 * crops the face too tight or too loose (an approach, a head leaning back) and skews the mesh, so the
 * frame is detected again.
 */
export const TRACKED_SCALE_CHANGE = 1.1;

function withinTrackedScale(scale: number, detected: number): boolean {
  if (!Number.isFinite(scale) || !Number.isFinite(detected)) return true;
  const ratio = scale / detected;
  return ratio <= TRACKED_SCALE_CHANGE && ratio >= 1 / TRACKED_SCALE_CHANGE;
}

function faceScale(r: FrameAnalysisOk): number {
  return r.landmarks ? (estimatePose(r.landmarks, r.width)?.scale ?? Number.NaN) : Number.NaN;
}

/**
 * Boxes (original image px) of every face above the detection threshold, largest first; in-process, for the
 * evaluation, which crops the faces of group photos into single-face impostor images.
 */
export async function detectFaceBoxes(bytes: Uint8Array, limits: EngineLimits): Promise<Box[]> {
  const decoded = await decodeImage(bytes, limits);
  if ('ok' in decoded) return [];
  const faces = dedupe(
    (await detectFaces(decoded, DETECT_ONLY_PASS)).filter((f) => detScore(f) >= limits.minDetectionScore),
  );
  return faces
    .map((f) => ({
      x: f.box[0] * decoded.scale,
      y: f.box[1] * decoded.scale,
      width: f.box[2] * decoded.scale,
      height: f.box[3] * decoded.scale,
    }))
    .sort((a, b) => b.width * b.height - a.width * a.height);
}

const detScore = (f: HumanFace) => f.boxScore ?? f.score;

/**
 * The detector returns several overlapping boxes for one face when the face fills the frame (tight crops).
 * Boxes whose intersection covers more than 40% of the smaller box are one face; keep the most confident.
 */
function dedupe(faces: HumanFace[]): HumanFace[] {
  const sorted = [...faces].sort((a, b) => detScore(b) - detScore(a));
  const kept: HumanFace[] = [];
  for (const f of sorted) {
    const [x, y, w, h] = f.box;
    const dup = kept.some((k) => {
      const [kx, ky, kw, kh] = k.box;
      const ix = Math.max(0, Math.min(x + w, kx + kw) - Math.max(x, kx));
      const iy = Math.max(0, Math.min(y + h, ky + kh) - Math.max(y, ky));
      return (ix * iy) / Math.max(1, Math.min(w * h, kw * kh)) > 0.4;
    });
    if (!dup) kept.push(f);
  }
  return kept;
}

export function qualityGate(
  q: { faceSizePx: number; brightness: number; overexposed: number; sharpness: number; outside: number },
  limits: EngineLimits,
): (FaceAnalysis & { ok: false }) | null {
  const pct = (v: number) => `${Math.round(v * 100)}%`;
  if (q.outside > limits.maxOutside) {
    return fail(
      'FACE_CUT_OFF',
      `About ${pct(q.outside)} of the face is outside the image; centre the whole face.`,
    );
  }
  if (q.faceSizePx < limits.minFacePx) {
    return fail(
      'FACE_TOO_SMALL',
      `The face is ${Math.round(q.faceSizePx)} px wide; at least ${limits.minFacePx} px is required.`,
    );
  }
  if (q.brightness < limits.minBrightness) {
    return fail(
      'FACE_TOO_DARK',
      `The face is too dark (brightness ${pct(q.brightness)}); improve the lighting.`,
    );
  }
  if (q.brightness > limits.maxBrightness || q.overexposed > limits.maxOverexposed) {
    return fail(
      'FACE_TOO_BRIGHT',
      `The face is overexposed (brightness ${pct(q.brightness)}, ${pct(q.overexposed)} clipped); reduce the light.`,
    );
  }
  if (q.sharpness < limits.minSharpness) {
    return fail(
      'FACE_BLURRED',
      `The face is blurred (sharpness ${q.sharpness.toFixed(1)}); hold the camera still.`,
    );
  }
  return null;
}
