import type { FaceAnalysis, FaceAnalysisOk } from '@faceproof/face-engine';
import type { BiometricValidation, Person } from '../../src/flows/types.js';

/** Fixed clock and ids: the flows take both as input, so their decisions are reproducible. */
export const NOW = Date.parse('2026-01-15T10:00:00.000Z');
export const AT = new Date(NOW).toISOString();

export function ids(prefix = 'id') {
  let n = 0;
  return () => `${prefix}${String(++n).padStart(22, '0')}`;
}

/** A template vector (the engine's are 1024-d and L2-normalised; the flows never look inside). */
export const template = (seed: number) => Float32Array.from({ length: 8 }, (_, i) => Math.sin(seed + i));

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
    id: 'val000000000000000000001',
    clientId: 'client',
    projectId: 'project',
    flowId: 'flow',
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
  validation({ collectionId: 'collection', collectionCode: 'code', ...over });

export const person = (id: string, identifier = 'alice@example.invalid'): Person => ({
  id,
  clientId: 'client',
  projectId: 'project',
  collectionId: 'collection',
  identifier,
  createdAt: AT,
  updatedAt: AT,
});

export const attemptContext = () => ({ now: NOW, templateModel: 'human-3.3.6/faceres', newId: ids('p') });

/** The data of the webhook events a decision would deliver, by event type. */
export const eventData = (events: { eventType: string; payload: Record<string, unknown> }[]) =>
  Object.fromEntries(events.map((e) => [e.eventType, (e.payload as { data: Record<string, unknown> }).data]));
