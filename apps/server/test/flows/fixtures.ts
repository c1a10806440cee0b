import type { FaceAnalysis, FaceAnalysisOk } from '@faceproof/face-engine';
import type { BiometricValidation, Person, ProjectFlow } from '../../src/flows/types.js';

/** Fixed clock and ids: the flows take both as input, so their decisions are reproducible. */
export const NOW = Date.parse('2026-01-15T10:00:00.000Z');
export const AT = new Date(NOW).toISOString();

/** Ids shaped like the server's (24 hex digits), as the spec's schemas require. */
export const VALIDATION = '65a4f0c2e4b0a1b2c3d4e501';
export const PROJECT = '65a4f0c2e4b0a1b2c3d4e502';
export const FLOW = '65a4f0c2e4b0a1b2c3d4e503';
export const COLLECTION = '65a4f0c2e4b0a1b2c3d4e504';
export const ALICE = '65a4f0c2e4b0a1b2c3d4e505';
export const BOB = '65a4f0c2e4b0a1b2c3d4e506';

export function ids(prefix = 'a') {
  let n = 0;
  return () => `${prefix}${(++n).toString(16).padStart(23, '0')}`;
}

/** A template vector (the engine's are 128-d or 1024-d and L2-normalised; the flows never look inside). */
export const template = (seed: number) => Float32Array.from({ length: 8 }, (_, i) => Math.sin(seed + i));

/** The engine's template model and the one before it, as the flows see them (ids only). */
export const MODEL = 'face-api-1.7.15/dlib-resnet-v1';
export const LEGACY_MODEL = 'human-3.3.6/faceres';

/** An analysis as the engine returns it, with the measures the flows decide on. */
export function analysis(liveness: number, opts: { seed?: number; sharpness?: number } = {}): FaceAnalysisOk {
  return {
    ok: true,
    face: {
      box: { x: 10, y: 10, width: 300, height: 300 },
      quality: {
        detectionScore: 0.99,
        faceSizePx: 300,
        interEyePx: 90,
        brightness: 0.5,
        overexposed: 0,
        outside: 0,
        sharpness: opts.sharpness ?? 150,
      },
    },
    liveness: { score: liveness, components: { antispoof: liveness, liveness } },
    template: template(opts.seed ?? 1),
    templates: { [MODEL]: template(opts.seed ?? 1), [LEGACY_MODEL]: template((opts.seed ?? 1) + 100) },
    image: { width: 640, height: 480, format: 'jpeg' },
    timings: { decode: 1, detect: 1, quality: 1, liveness: 1, embed: 1, total: 5 },
  };
}

export const noFace: FaceAnalysis = {
  ok: false,
  reason: 'NO_FACE',
  message: 'No face was found in the image.',
};

export function validation(over: Partial<BiometricValidation> = {}): BiometricValidation {
  return {
    id: VALIDATION,
    clientId: 'client',
    projectId: PROJECT,
    flowId: FLOW,
    sessionId: 'session',
    sessionStatus: 'active',
    identifier: 'alice@example.invalid',
    type: 'validation',
    status: 'new',
    settings: {
      livenessMinScore: 0.6,
      searchMode: 'ACCURATE',
      searchMinScore: 0.9,
      maxAttempts: 3,
      retainFaceImages: false,
      livenessMode: 'passive',
    },
    options: {
      webhookUrl: 'https://hooks.example.invalid/faceproof',
      requires2FA: false,
      sendViaEmail: false,
      language: 'en',
    },
    livenessScore: 0,
    attempts: 0,
    maxAttempts: 3,
    livenessResults: [],
    comparisonResults: [],
    expiresAt: new Date(NOW + 10 * 60_000).toISOString(),
    createdAt: new Date(NOW - 60_000).toISOString(),
    updatedAt: new Date(NOW - 60_000).toISOString(),
    version: 0,
    ...over,
  };
}

export const withCollection = (over: Partial<BiometricValidation> = {}) =>
  validation({ collectionId: COLLECTION, collectionCode: 'code', ...over });

export const person = (id: string, identifier = 'alice@example.invalid'): Person => ({
  id,
  clientId: 'client',
  projectId: PROJECT,
  collectionId: COLLECTION,
  identifier,
  createdAt: AT,
  updatedAt: AT,
});

export const attemptContext = () => ({ now: NOW, templateModels: [MODEL], newId: ids('b') });

/** The data of the webhook events a decision would deliver, by event type. */
export const eventData = (events: { eventType: string; payload: Record<string, unknown> }[]) =>
  Object.fromEntries(events.map((e) => [e.eventType, (e.payload as { data: Record<string, unknown> }).data]));

/** An active login flow with a collection. */
export const projectFlow = (over: Partial<ProjectFlow> = {}): ProjectFlow => ({
  id: FLOW,
  clientId: 'client',
  projectId: PROJECT,
  type: 'login',
  status: 'active',
  name: 'Login',
  livenessMinScore: 0.6,
  searchMode: 'ACCURATE',
  searchMinScore: 0.9,
  maxAttempts: 3,
  livenessMode: 'passive',
  retainFaceImages: false,
  webhookUrl: 'https://hooks.example.invalid/flow',
  public: false,
  loginMatch: 'identifier',
  collectionId: COLLECTION,
  createdAt: AT,
  updatedAt: AT,
  ...over,
});

/** A decision expected to pass, narrowed to its passing type (a refusal fails the test). */
export function passed<D extends { error?: unknown }>(d: D): Extract<D, { error?: undefined }> {
  if (d.error) throw new Error(`expected a pass, got ${JSON.stringify(d.error)}`);
  return d as Extract<D, { error?: undefined }>;
}
