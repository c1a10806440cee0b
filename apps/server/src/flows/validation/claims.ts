import type { components } from '@faceproof/openapi/types';
import { validationEvent } from '../events.js';
import type { BiometricValidation, NewOutboxEvent, ValidationResult } from '../types.js';
import type { Decision } from './decision.js';

/**
 * The claims of the result token the operator's application verifies (validate and confirm-2fa
 * alike): the spec's ResultTokenClaims without the registered claims the key ring sets on signing.
 */
export type ResultClaims = Omit<
  components['schemas']['ResultTokenClaims'],
  'iss' | 'aud' | 'iat' | 'exp' | 'jti'
>;

export type Completed = BiometricValidation & { result: ValidationResult };

export function resultClaims(v: Completed): ResultClaims {
  const r = v.result;
  return {
    sub: v.identifier,
    biometricValidation: v.id,
    project: v.projectId,
    projectFlow: v.flowId,
    type: v.type,
    ...(r.person ? { person: r.person } : {}),
    ...(r.matchScore !== undefined ? { matchScore: r.matchScore } : {}),
    livenessScore: r.biometricData.livenessScore,
  };
}

/**
 * Places the signed result token: in the redirect URL kept on the result, and in the validated
 * event, which goes out before any other event of the same change.
 */
export function sealResult(v: Completed, token: string): { next: Completed; events: NewOutboxEvent[] } {
  const { redirectUrl } = v.options;
  const result = redirectUrl ? { ...v.result, redirectUrl: withToken(redirectUrl, token) } : v.result;
  const next = { ...v, result };
  const events = validationEvent(next, 'biometric_validation_validated', {
    status: 'completed',
    person: result.person,
    matchScore: result.matchScore,
    livenessScore: result.biometricData.livenessScore,
    riskScore: result.riskScore,
    token,
  });
  return { next, events };
}

function withToken(url: string, token: string) {
  const u = new URL(url);
  u.searchParams.set('token', token);
  return u.toString();
}

/** A completion with its signed result token in place (`d.claims` signed by the handler). */
export function seal<D extends Decision>(d: D, token: string): D & { next: Completed } {
  const v = d.next;
  if (!v?.result) throw new Error('Only a completion carries a result token.');
  const sealed = sealResult({ ...v, result: v.result }, token);
  return { ...d, next: sealed.next, events: [...sealed.events, ...d.events] };
}
