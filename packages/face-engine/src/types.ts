/**
 * Public contract of @faceproof/face-engine.
 *
 * The server codes against these types only; the concrete engine (today: @vladmandic/human on the
 * tfjs WebAssembly backend, in a worker-thread pool) can be swapped for another one (e.g. ONNX Runtime)
 * that implements {@link FaceEngine}.
 */

/** Why an image was refused. The API spec maps each code to an error response. */
export type ReasonCode =
  | 'INVALID_IMAGE'
  | 'IMAGE_TOO_LARGE'
  | 'NO_FACE'
  | 'MULTIPLE_FACES'
  | 'FACE_TOO_SMALL'
  | 'FACE_TOO_DARK'
  | 'FACE_TOO_BRIGHT'
  | 'FACE_BLURRED'
  | 'FACE_CUT_OFF';

export const REASON_CODES: readonly ReasonCode[] = [
  'INVALID_IMAGE',
  'IMAGE_TOO_LARGE',
  'NO_FACE',
  'MULTIPLE_FACES',
  'FACE_TOO_SMALL',
  'FACE_TOO_DARK',
  'FACE_TOO_BRIGHT',
  'FACE_BLURRED',
  'FACE_CUT_OFF',
] as const;

/** Default human-readable message for each reason code (analysis results may give a more specific one). */
export const REASON_MESSAGES: Readonly<Record<ReasonCode, string>> = {
  INVALID_IMAGE: 'The image could not be decoded (unsupported format, truncated or not an image).',
  IMAGE_TOO_LARGE: 'The image is too large (encoded size or decoded pixel count over the limit).',
  NO_FACE: 'No face was found in the image.',
  MULTIPLE_FACES: 'More than one face was found in the image; exactly one is required.',
  FACE_TOO_SMALL: 'The face is too small; move closer to the camera or use a higher resolution.',
  FACE_TOO_DARK: 'The face is too dark; improve the lighting.',
  FACE_TOO_BRIGHT: 'The face is overexposed; reduce the lighting or avoid direct light.',
  FACE_BLURRED: 'The face is blurred; hold the camera still and focus on the face.',
  FACE_CUT_OFF: 'The face is cut off by the image border; centre the whole face in the frame.',
};

/** Axis-aligned box in pixels of the (EXIF-oriented) decoded image. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A point in pixels of the (EXIF-oriented) decoded image. */
export type Point = readonly [x: number, y: number];

/** Five-point landmarks (the usual alignment set). */
export interface Landmarks {
  leftEye: Point;
  rightEye: Point;
  nose: Point;
  mouthLeft: Point;
  mouthRight: Point;
}

export interface FaceQuality {
  /** Detector confidence 0..1. */
  detectionScore: number;
  /** Shorter side of the face box in pixels. */
  faceSizePx: number;
  /** Distance between the eye centres in pixels. */
  interEyePx: number;
  /** Mean luma of the face region, 0..1. */
  brightness: number;
  /** Share of face pixels that are clipped to (near) white, 0..1. */
  overexposed: number;
  /** Sharpness: variance of the Laplacian of the face crop normalised to 112 px, larger = sharper. */
  sharpness: number;
  /** Share of the (detector) face box that lies outside the image, 0..1. */
  outside: number;
  /** Estimated head pose in degrees, if the detector gives it. */
  yaw?: number;
  pitch?: number;
  roll?: number;
}

export interface AnalyzedFace {
  box: Box;
  landmarks?: Landmarks;
  quality: FaceQuality;
}

export interface Liveness {
  /**
   * Passive single-image liveness score, 0..1 (higher = more likely a live capture).
   * See EVALUATION.md: on synthetic print/screen attacks this score is weak evidence, not proof.
   */
  score: number;
  /** Raw scores of the models combined into {@link Liveness.score}. */
  components: { antispoof: number; liveness: number };
}

/** Milliseconds spent per stage. */
export interface Timings {
  decode: number;
  detect: number;
  quality: number;
  liveness: number;
  embed: number;
  total: number;
}

export interface ImageInfo {
  width: number;
  height: number;
  format: string;
}

export interface FaceAnalysisOk {
  ok: true;
  face: AnalyzedFace;
  liveness: Liveness;
  /** L2-normalised template of the engine's model ({@link EngineInfo.templateModel}); compare with {@link FaceEngine.compare}. */
  template: Float32Array;
  /**
   * The face's L2-normalised template for every model the engine runs, by model id (includes `template`).
   * Templates of different models never compare; a store keeps the model id next to each template.
   */
  templates: Readonly<Record<string, Float32Array>>;
  image: ImageInfo;
  timings: Timings;
}

export interface FaceAnalysisFail {
  ok: false;
  reason: ReasonCode;
  message: string;
  /** Present when the image decoded (e.g. for NO_FACE or quality failures). */
  image?: ImageInfo;
  /** Number of faces seen, when detection ran. */
  faces?: number;
  timings?: Partial<Timings>;
}

export type FaceAnalysis = FaceAnalysisOk | FaceAnalysisFail;

/** Per-call options of {@link FaceEngine.analyze}. */
export interface AnalyzeOptions {
  /** Skip the liveness models (liveness.score is then NaN). */
  skipLiveness?: boolean;
  /** Skip all quality gates except face count (for enrolment tools / evaluation). */
  skipQualityChecks?: boolean;
  /**
   * The still of an active-liveness sequence: its `templates` also hold the liveness identity check's
   * model (`LIVENESS_IDENTITY_MODEL`), even when the engine does not store that model.
   */
  livenessStill?: boolean;
}

/** Limits and thresholds; every field has a documented default (see DEFAULT_LIMITS). */
export interface EngineLimits {
  /** Maximum encoded payload size in bytes (after base64 decoding). Default 10 MiB. */
  maxBytes: number;
  /** Maximum decoded pixel count (width*height). Default 40 Mpx. */
  maxPixels: number;
  /** Minimum shorter side of the face box in px (in the original image). Default 80. */
  minFacePx: number;
  /** Minimum detector confidence for a face to count. Default 0.5. */
  minDetectionScore: number;
  /** Faces whose box is smaller than this share of the largest face are ignored as background. Default 0.35. */
  backgroundFaceRatio: number;
  /** Mean face luma below this is FACE_TOO_DARK. Default 0.18. */
  minBrightness: number;
  /** Mean face luma above this, or clipped share above maxOverexposed, is FACE_TOO_BRIGHT. Default 0.85. */
  maxBrightness: number;
  maxOverexposed: number;
  /** Laplacian variance below this is FACE_BLURRED. Default see DEFAULT_LIMITS. */
  minSharpness: number;
  /** Share of face box outside the image above this is FACE_CUT_OFF. Default 0.1. */
  maxOutside: number;
}

export interface EngineOptions {
  /** Number of worker threads. Default: number of cores (os.availableParallelism()). */
  workers?: number;
  /** Maximum queued (not yet running) jobs before analyze() rejects with ENGINE_BUSY. Default workers*8. */
  maxQueue?: number;
  /** Per-job timeout in ms; a worker exceeding it is terminated and replaced. Default 30000. */
  jobTimeoutMs?: number;
  limits?: Partial<EngineLimits>;
}

export interface EngineInfo {
  name: string;
  version: string;
  /** Identifies the template space: templates from different models are not comparable. */
  templateModel: string;
  templateDim: number;
  workers: number;
}

export interface SearchHit {
  id: string;
  /** Calibrated match score 0..1 (same scale as compare()). */
  score: number;
}

export interface FaceIndexOptions {
  /** 'exact' = brute force; 'hnsw' = approximate (usearch HNSW); 'auto' = exact below autoThreshold. Default 'auto'. */
  mode?: 'exact' | 'hnsw' | 'auto';
  /** Size at which 'auto' builds the approximate index. Default 20000. */
  autoThreshold?: number;
  /** Template model (id or short name) whose templates the index holds and whose calibration scores them. Default: the engine's. */
  templateModel?: string;
  /** Template dimension. Default: the template model's. */
  dim?: number;
  /** HNSW parameters (defaults: `HNSW_DEFAULTS` in src/face-index.ts). */
  m?: number;
  efConstruction?: number;
  efSearch?: number;
  /**
   * Storage type of the HNSW graph's vectors. Default 'i8' (1 byte per dimension: 4x less memory and a 4x
   * faster build than 'f32'); scores stay exact because candidates are re-scored (see rerank).
   */
  quantization?: 'f32' | 'f16' | 'i8';
  /**
   * HNSW candidates re-scored with exact float32 cosine (default 16; 0 = use the graph's own distances,
   * not allowed with 'i8'). Costs 4 bytes per dimension per template for the float32 copy.
   */
  rerank?: number;
  /** Threads used by bulk insertion into the graph (0 = all cores). Default 0. */
  threads?: number;
}

/** What {@link FaceIndex.restore} did. */
export interface IndexRestoreStats {
  /** Ids whose graph node was reused from the file. */
  reused: number;
  /** Ids that were not in the file and were inserted. */
  added: number;
  /** Ids of the file that were not in the entries and were removed. */
  removed: number;
}

/** Template bytes as produced by analyze(): a Float32Array, or its base64 encoding (little-endian float32). */
export type TemplateInput = Float32Array | string;

/** 1:N collection of templates. Persisting templates is the caller's job; load them back with load(). */
export interface FaceIndex {
  readonly size: number;
  readonly mode: 'exact' | 'hnsw';
  add(id: string, template: TemplateInput): void;
  /** Returns true when the id was present. */
  remove(id: string): boolean;
  has(id: string): boolean;
  /** Bulk add (e.g. at start-up from the server's store). */
  load(entries: Iterable<{ id: string; template: TemplateInput }>): void;
  /** Top-k by descending score; optional minScore filters weak hits. */
  search(template: TemplateInput, k?: number, minScore?: number): SearchHit[];
  clear(): void;
  /** HNSW mode only: writes the graph to file (+ file.ids.json) so a large gallery reopens without a rebuild. */
  save(file: string): void;
  /** Reopens a saved graph and attaches the current templates (new ids inserted, missing ids removed). */
  restore(file: string, entries: Iterable<{ id: string; template: TemplateInput }>): IndexRestoreStats;
}

export interface FaceEngine {
  readonly info: EngineInfo;
  /** image: data URI (data:image/jpeg;base64,...) or bare base64, or raw bytes. */
  analyze(image: string | Uint8Array, opts?: AnalyzeOptions): Promise<FaceAnalysis>;
  /** Calibrated match score 0..1 between two templates of one model (default: the engine's {@link EngineInfo.templateModel}). */
  compare(a: TemplateInput, b: TemplateInput, templateModel?: string): number;
  createIndex(opts?: FaceIndexOptions): FaceIndex;
  close(): Promise<void>;
}

export type EngineErrorCode = 'ENGINE_BUSY' | 'ENGINE_CLOSED' | 'ENGINE_WORKER_FAILED' | 'ENGINE_TIMEOUT';

/** Errors of the engine itself (not of the image): the server should answer 503/500, not 422. */
export class EngineError extends Error {
  readonly code: EngineErrorCode;
  constructor(code: EngineErrorCode, message: string) {
    super(message);
    this.name = 'EngineError';
    this.code = code;
  }
}

/** Thrown when the queue is full. */
export class EngineBusyError extends EngineError {
  constructor(message = 'Face engine is busy: the queue is full, retry later.') {
    super('ENGINE_BUSY', message);
    this.name = 'EngineBusyError';
  }
}
