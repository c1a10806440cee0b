import { availableParallelism } from 'node:os';
import { cosineToScore, DEFAULT_TEMPLATE_MODEL, type TemplateModelName } from './calibration.js';
import { TemplateIndex } from './face-index.js';
import { type FrameAnalysis, HUMAN_VERSION, type SequenceFramePass } from './human-runtime.js';
import { parseImageInput } from './input.js';
import { resolveLimits } from './limits.js';
import { FRAME_COUNT_LIMITS, type LivenessFrame } from './liveness/verify.js';
import { TEMPLATE_MODELS, type TemplateModel, templateModelOf } from './models.js';
import { WorkerPool } from './pool.js';
import { dot, toTemplate } from './template.js';
import type {
  AnalyzeOptions,
  EngineInfo,
  EngineLimits,
  EngineOptions,
  FaceAnalysis,
  FaceEngine,
  FaceIndex,
  FaceIndexOptions,
  ReasonCode,
  TemplateInput,
} from './types.js';

export interface HumanEngineOptions extends EngineOptions {
  /** Enables the worker messages used by the crash/timeout tests. Never in production. */
  testHooks?: boolean;
  /**
   * Run faceres with its conv + batch-norm + ReLU6 chains fused at load time (src/model-fuse.ts): same
   * templates up to float rounding, faster on wasm. Default true; false runs the model file as shipped.
   */
  fuseDescriptor?: boolean;
  /**
   * The model of `template`, of compare() and of createIndex() unless they name another (default: the
   * calibration's DEFAULT_TEMPLATE_MODEL). analyze() returns every model's template in `templates`.
   */
  templateModel?: TemplateModelName;
  /**
   * The models analyze() describes each face with (`templates`); the engine's model is always added.
   * Default: all. A server whose collections all search the engine's model passes just that one and
   * saves the other network's time.
   */
  templateModels?: readonly TemplateModelName[];
}

/** One frame of a liveness sequence: the image (as for analyze()) and its capture time on the client's clock. */
export interface SequenceFrameInput {
  image: string | Uint8Array;
  t: number;
}

export interface SequenceAnalysisOptions {
  /**
   * Frames the detector runs on (the face count; passive models and screen cues too), spread evenly from
   * the first frame to the last, both included. The frames between two of them are tracked from the
   * nearer one (the mesh on the box of the frame before or after): forwards from the earlier, backwards
   * from the later. Default DEFAULT_KEY_FRAMES; 'all' analyses every frame in full, template included.
   */
  keyFrames?: number | 'all';
  /**
   * Frames that also get the identity check's template (dlib's, with the passive models and screen cues),
   * spread evenly from the first frame to the last; one that is not a key frame is tracked, then
   * described. Default DEFAULT_TEMPLATE_FRAMES; the identity check needs two.
   */
  templateFrames?: number;
}

/**
 * Detected frames by default: the first and the last, so that the face count is taken at both ends and
 * each half of the sequence is tracked from a detection, one half per worker (README, "Cost", compares
 * plans on the evaluation and the bench).
 */
export const DEFAULT_KEY_FRAMES = 2;
/**
 * Frames with a template by default: the first, the middle and the last, each compared with the others
 * and with the still. A face swapped in for part of the sequence is caught only if it shows on one of
 * them: the other frames are tracked, not identified. Each costs one pass of dlib's ResNet (≈ 24 ms).
 */
export const DEFAULT_TEMPLATE_FRAMES = 3;

/** Indices of `count` frames spread evenly over `n` frames, first and last included. */
export function keyFrameIndices(n: number, count: number | 'all'): number[] {
  if (n <= 0) return [];
  const k = count === 'all' ? n : Math.max(1, Math.min(n, Math.floor(count)));
  if (k === 1) return [0];
  return [...new Set(Array.from({ length: k }, (_, i) => Math.round((i * (n - 1)) / (k - 1))))];
}

/**
 * How a sequence of `n` frames is analysed under `options`: each frame's pass, and the chains the frames
 * go through the workers in. A chain starts at a detected frame and goes on to neighbouring frames one
 * by one (each tracked from the one before it in the chain), so a chain is one job of one worker.
 */
export interface SequencePlan {
  passes: SequenceFramePass[];
  chains: number[][];
}

export function sequencePlan(n: number, options: SequenceAnalysisOptions = {}): SequencePlan {
  if (n <= 0) return { passes: [], chains: [] };
  if (options.keyFrames === 'all')
    return {
      passes: Array.from({ length: n }, () => 'template'),
      chains: [Array.from({ length: n }, (_, i) => i)],
    };
  const detectedList = keyFrameIndices(n, options.keyFrames ?? DEFAULT_KEY_FRAMES);
  const detected = new Set(detectedList);
  const described = new Set(keyFrameIndices(n, options.templateFrames ?? DEFAULT_TEMPLATE_FRAMES));
  const passes: SequenceFramePass[] = Array.from({ length: n }, (_, i) =>
    detected.has(i)
      ? described.has(i)
        ? 'template'
        : 'key'
      : described.has(i)
        ? 'tracked-template'
        : 'tracked',
  );
  // Each detected frame tracks forwards to the middle of the gap after it; the last one (the sequence's
  // last frame, unless there is one detected frame only) also backwards to the middle of the gap before.
  const chains: number[][] = [];
  const last = detectedList[detectedList.length - 1] as number;
  for (const [j, d] of detectedList.entries()) {
    const next = detectedList[j + 1];
    if (next === undefined) {
      if (detectedList.length === 1) chains.push(Array.from({ length: n - d }, (_, k) => d + k));
      break;
    }
    // The gap before the last detected frame is shared; the others are tracked forwards only.
    const end = next === last ? Math.ceil((d + next) / 2) : next;
    chains.push(Array.from({ length: end - d }, (_, k) => d + k));
    if (next === last) {
      chains.push(Array.from({ length: last - end + 1 }, (_, k) => last - k));
    }
  }
  return { passes, chains };
}

/** Each frame's pass (sequencePlan without the chains). */
export function sequencePasses(n: number, options: SequenceAnalysisOptions = {}): SequenceFramePass[] {
  return sequencePlan(n, options).passes;
}

/**
 * The chains of a plan as at most `workers` jobs of about the same number of frames (one job per worker
 * at most, so a sequence never takes more of the queue than one image per worker). Chains are kept whole
 * and in order; each starts with a detected frame, so joining them keeps every tracked frame next to the
 * frame it is tracked from.
 */
function jobsOf(chains: readonly number[][], workers: number): number[][] {
  const lanes = Math.max(1, Math.min(workers, chains.length));
  const total = chains.reduce((s, c) => s + c.length, 0);
  const jobs: number[][] = [];
  let job: number[] = [];
  let done = 0;
  for (const chain of chains) {
    // Start the next job once this one holds its share of the frames.
    if (job.length > 0 && jobs.length < lanes - 1 && done >= ((jobs.length + 1) * total) / lanes) {
      jobs.push(job);
      job = [];
    }
    job.push(...chain);
    done += chain.length;
  }
  if (job.length > 0) jobs.push(job);
  return jobs;
}

export type SequenceAnalysis =
  | {
      ok: true;
      frames: LivenessFrame[];
      /** Human's own per-frame pose (degrees), for comparison with estimatePose; not used by the checks. */
      meshAngles: ({ yaw: number; pitch: number; roll: number } | undefined)[];
    }
  | { ok: false; frame: number; reason: ReasonCode | 'TOO_MANY_FRAMES'; message: string };

/** FaceEngine on @vladmandic/human + tfjs WebAssembly, one model instance per worker thread. */
export class HumanFaceEngine implements FaceEngine {
  readonly info: EngineInfo;
  readonly limits: EngineLimits;
  /** @internal */
  readonly pool: WorkerPool;
  /** The models analyze() describes a face with (`templates`), the engine's own first. */
  readonly templateModels: readonly TemplateModel[];
  private readonly model: TemplateModel;

  constructor(opts: HumanEngineOptions = {}) {
    const workers = Math.max(1, opts.workers ?? availableParallelism());
    this.limits = resolveLimits(opts.limits);
    this.model = TEMPLATE_MODELS[opts.templateModel ?? DEFAULT_TEMPLATE_MODEL];
    const wanted = new Set(opts.templateModels ?? (Object.keys(TEMPLATE_MODELS) as TemplateModelName[]));
    this.templateModels = [
      this.model,
      ...Object.values(TEMPLATE_MODELS).filter((m) => m !== this.model && wanted.has(m.name)),
    ];
    this.pool = new WorkerPool(new URL('./worker.js', import.meta.url), {
      size: workers,
      maxQueue: opts.maxQueue ?? workers * 8,
      jobTimeoutMs: opts.jobTimeoutMs ?? 30_000,
      workerData: {
        testHooks: Boolean(opts.testHooks),
        fuseDescriptor: opts.fuseDescriptor ?? true,
        templateModel: this.model.id,
        describeModels: this.templateModels.map((m) => m.id),
      },
    });
    this.info = {
      name: 'human-wasm',
      version: HUMAN_VERSION,
      templateModel: this.model.id,
      templateDim: this.model.dim,
      workers,
    };
  }

  async analyze(image: string | Uint8Array, opts: AnalyzeOptions = {}): Promise<FaceAnalysis> {
    const t0 = performance.now();
    const bytes = parseImageInput(image, this.limits);
    if (!(bytes instanceof Uint8Array)) return bytes;
    // Copy so the transfer never detaches the caller's buffer.
    const copy = new Uint8Array(bytes);
    const res = await this.pool.run<FaceAnalysis>(
      { type: 'analyze', bytes: copy, opts, limits: this.limits },
      [copy.buffer as ArrayBuffer],
    );
    if (res.ok) res.timings.total = performance.now() - t0;
    return res;
  }

  /**
   * Analyses the frames of a liveness sequence into the inputs of verifyLiveness. The frames are cut into
   * at most one run per worker, each starting at a key frame and tracked from there in one job (so a
   * sequence never takes more of the queue than one image per worker). A frame that is not a readable
   * image fails the whole sequence, naming the frame.
   */
  async analyzeSequence(
    frames: readonly SequenceFrameInput[],
    options: SequenceAnalysisOptions = {},
  ): Promise<SequenceAnalysis> {
    if (frames.length > FRAME_COUNT_LIMITS.max) {
      return {
        ok: false,
        frame: FRAME_COUNT_LIMITS.max,
        reason: 'TOO_MANY_FRAMES',
        message: `${frames.length} frames were sent; at most ${FRAME_COUNT_LIMITS.max} are analysed.`,
      };
    }
    const parsed = frames.map((f) => parseImageInput(f.image, this.limits));
    const bad = parsed.findIndex((p) => !(p instanceof Uint8Array));
    if (bad >= 0) {
      const f = parsed[bad] as Exclude<(typeof parsed)[number], Uint8Array>;
      return { ok: false, frame: bad, reason: f.reason, message: `Frame ${bad}: ${f.message}` };
    }
    const { passes, chains } = sequencePlan(parsed.length, options);
    const runs = await Promise.all(
      jobsOf(chains, this.info.workers).map(async (order) => {
        // Copies, so the transfer never detaches the caller's buffers.
        const run = order.map((i) => ({
          bytes: new Uint8Array(parsed[i] as Uint8Array),
          pass: passes[i] as SequenceFramePass,
        }));
        const analysed = await this.pool.run<FrameAnalysis[]>(
          { type: 'run', frames: run, limits: this.limits },
          run.map((f) => f.bytes.buffer as ArrayBuffer),
        );
        return analysed.map((r, k) => ({ index: order[k] as number, r }));
      }),
    );
    const results: FrameAnalysis[] = [];
    for (const { index, r } of runs.flat()) results[index] = r;
    const failed = results.findIndex((r) => !r.ok);
    if (failed >= 0) {
      const f = results[failed] as Extract<FrameAnalysis, { ok: false }>;
      return { ok: false, frame: failed, reason: f.reason, message: `Frame ${failed}: ${f.message}` };
    }
    return {
      ok: true,
      frames: results.map((r, i) => {
        const { ok: _ok, meshAngles: _angles, ...frame } = r as Extract<FrameAnalysis, { ok: true }>;
        return { ...frame, t: (frames[i] as SequenceFrameInput).t };
      }),
      meshAngles: results.map((r) => (r as Extract<FrameAnalysis, { ok: true }>).meshAngles),
    };
  }

  compare(a: TemplateInput, b: TemplateInput, templateModel?: string): number {
    const model = this.modelOf(templateModel);
    const ta = toTemplate(a, model.dim);
    const tb = toTemplate(b, model.dim);
    const na = Math.sqrt(dot(ta, ta));
    const nb = Math.sqrt(dot(tb, tb));
    if (na === 0 || nb === 0) return 0;
    return cosineToScore(dot(ta, tb) / (na * nb), model.calibration);
  }

  createIndex(opts: FaceIndexOptions = {}): FaceIndex {
    const { templateModel, ...rest } = opts;
    const model = this.modelOf(templateModel);
    return new TemplateIndex({
      dim: model.dim,
      ...rest,
      scoreOf: (cos) => cosineToScore(cos, model.calibration),
    });
  }

  private modelOf(idOrName: string | undefined): TemplateModel {
    if (idOrName === undefined) return this.model;
    const model = templateModelOf(idOrName);
    if (!model) throw new RangeError(`Unknown template model "${idOrName}".`);
    return model;
  }

  /** Resolves once every worker has loaded its models (analyze() works before that, it just waits). */
  ready(): Promise<void> {
    return this.pool.ready();
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

/** Creates the default engine and waits until its workers have loaded their models. */
export async function createEngine(opts: HumanEngineOptions = {}): Promise<HumanFaceEngine> {
  const engine = new HumanFaceEngine(opts);
  try {
    await engine.ready();
  } catch (err) {
    await engine.close();
    throw err;
  }
  return engine;
}
