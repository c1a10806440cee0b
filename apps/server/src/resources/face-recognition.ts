import type { FaceAnalysis, FaceAnalysisOk } from '@faceproof/face-engine';
import type { components } from '@faceproof/openapi/types';
import type { Issue } from '../contract/validators.js';
import type { PersonProfile, ProjectFlow, SearchMode } from '../store/types.js';

// Verifik's fields (`/v2/face-recognition/…`, the nested flow settings) mapped onto the stored model.

type Schemas = components['schemas'];

/** The profile fields of a person request, in Verifik's spelling; `null` (updates only) clears one. */
export interface ProfileFields {
  name?: string;
  gender?: 'M' | 'F' | null;
  date_of_birth?: string | null;
  nationality?: string | null;
  notes?: string | null;
}

const PROFILE_KEYS = [
  ['name', 'name'],
  ['gender', 'gender'],
  ['date_of_birth', 'dateOfBirth'],
  ['nationality', 'nationality'],
  ['notes', 'notes'],
] as const;

/** The stored profile after `fields`: absent fields keep `prior`'s value, `null` clears it. */
export function profileFrom(fields: ProfileFields, prior: PersonProfile = {}): PersonProfile {
  const out: Record<string, unknown> = { ...prior };
  for (const [wire, stored] of PROFILE_KEYS) {
    const v = fields[wire];
    if (v === null) delete out[stored];
    else if (v !== undefined) out[stored] = v;
  }
  return out as PersonProfile;
}

/** A stored profile in Verifik's spelling, for the person presenter. */
export function profileFields(p: PersonProfile | undefined) {
  return {
    name: p?.name,
    gender: p?.gender,
    date_of_birth: p?.dateOfBirth,
    nationality: p?.nationality,
    notes: p?.notes,
  };
}

/**
 * The face a person is enrolled with, from the analyses of the request's `images` (in order): the
 * first image's template, once every image shows a usable face and every other image matches the
 * first at `minScore` (one template per person is what the search index holds, so the other images
 * only confirm it is the same person). Otherwise the issues, one per image, named by pointer.
 */
export function personFace(
  analyses: FaceAnalysis[],
  compare: (a: Float32Array, b: Float32Array) => number,
  minScore: number,
): { face: FaceAnalysisOk; image: number } | { issues: (Issue & { reason?: string })[] } {
  const issues: (Issue & { reason?: string })[] = [];
  analyses.forEach((a, i) => {
    if (!a.ok) issues.push({ path: `/body/images/${i}`, message: a.message, reason: a.reason });
  });
  if (issues.length) return { issues };
  const [first, ...others] = analyses as FaceAnalysisOk[];
  if (!first) return { issues: [{ path: '/body/images', message: 'must NOT have fewer than 1 items' }] };
  others.forEach((a, i) => {
    const score = compare(first.template, a.template);
    if (score < minScore)
      issues.push({
        path: `/body/images/${i + 1}`,
        message: `is not the same person as /body/images/0 (match score ${score.toFixed(3)} < ${minScore})`,
      });
  });
  return issues.length ? { issues } : { face: first, image: 0 };
}

/** The flat settings a request's nested `liveness`, `loginSettings` and `onboardingSettings` spell. */
type NestedSettings = {
  liveness?: Schemas['FlowLivenessSettings'];
  loginSettings?: Schemas['FlowLoginSettings'];
  onboardingSettings?: Schemas['FlowOnboardingSettings'];
};

interface FlatSettings {
  livenessMinScore?: number;
  searchMinScore?: number;
  searchMode?: SearchMode;
  maxAttempts?: number;
}

/**
 * A flow request with its nested settings folded into the flat fields and removed: `liveness`
 * overrides the flat fields, `loginSettings` and `onboardingSettings` override both (the spec's
 * order), so whichever spelling a client uses, the flow is stored one way.
 */
export function flatFlowSettings<B extends NestedSettings & FlatSettings>(
  body: B,
): Omit<B, keyof NestedSettings> {
  const { liveness, loginSettings, onboardingSettings, ...flat } = body;
  const out: FlatSettings = flat;
  const set = <K extends keyof FlatSettings>(k: K, v: FlatSettings[K] | undefined) => {
    if (v !== undefined) out[k] = v;
  };
  set('livenessMinScore', liveness?.minScore);
  set('searchMinScore', liveness?.searchMinScore);
  set('searchMode', liveness?.searchMode);
  set('maxAttempts', liveness?.attemptLimit);
  set('livenessMinScore', loginSettings?.livenessMinScore);
  set('searchMinScore', loginSettings?.searchMinScore);
  set('searchMode', loginSettings?.searchMode);
  set('livenessMinScore', onboardingSettings?.liveness?.livenessMinScore);
  return out as Omit<B, keyof NestedSettings>;
}

/** A flow's settings in Verifik's nested shapes: `liveness`, and the older object of its type. */
export function nestedFlowSettings(f: ProjectFlow) {
  return {
    liveness: {
      minScore: f.livenessMinScore,
      searchMinScore: f.searchMinScore,
      searchMode: f.searchMode,
      attemptLimit: f.maxAttempts,
    },
    loginSettings:
      f.type === 'login'
        ? { livenessMinScore: f.livenessMinScore, searchMinScore: f.searchMinScore, searchMode: f.searchMode }
        : undefined,
    onboardingSettings:
      f.type === 'onboarding' ? { liveness: { livenessMinScore: f.livenessMinScore } } : undefined,
  };
}

/** The images whose liveness score is below `minScore` (the engine's score, rounded as reported). */
export function livenessShortfalls(scores: number[], minScore: number): { path: string; message: string }[] {
  return scores.flatMap((score, i) =>
    score < minScore
      ? [{ path: `/body/images/${i}`, message: `liveness score ${score} is below ${minScore}` }]
      : [],
  );
}
