import { availableParallelism } from 'node:os';
import { cosineToScore } from './calibration.js';
import { TemplateIndex } from './face-index.js';
import { HUMAN_VERSION, TEMPLATE_DIM, TEMPLATE_MODEL } from './human-runtime.js';
import { parseImageInput } from './input.js';
import { resolveLimits } from './limits.js';
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
}

/** FaceEngine on @vladmandic/human + tfjs WebAssembly, one model instance per worker thread. */
export class HumanFaceEngine implements FaceEngine {
  readonly info: EngineInfo;
  readonly limits: EngineLimits;
  /** @internal */
  readonly pool: WorkerPool;

  constructor(opts: HumanEngineOptions = {}) {
    const workers = Math.max(1, opts.workers ?? availableParallelism());
    this.limits = resolveLimits(opts.limits);
    this.pool = new WorkerPool(new URL('./worker.js', import.meta.url), {
      size: workers,
      maxQueue: opts.maxQueue ?? workers * 8,
      jobTimeoutMs: opts.jobTimeoutMs ?? 30_000,
      workerData: { testHooks: Boolean(opts.testHooks), fuseDescriptor: opts.fuseDescriptor ?? true },
    });
    this.info = {
      name: 'human-wasm',
      version: HUMAN_VERSION,
      templateModel: TEMPLATE_MODEL,
      templateDim: TEMPLATE_DIM,
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

  compare(a: TemplateInput, b: TemplateInput): number {
    const ta = toTemplate(a, TEMPLATE_DIM);
    const tb = toTemplate(b, TEMPLATE_DIM);
    const na = Math.sqrt(dot(ta, ta));
    const nb = Math.sqrt(dot(tb, tb));
    if (na === 0 || nb === 0) return 0;
    return cosineToScore(dot(ta, tb) / (na * nb));
  }

  createIndex(opts: FaceIndexOptions = {}): FaceIndex {
    return new TemplateIndex({ dim: TEMPLATE_DIM, ...opts });
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
