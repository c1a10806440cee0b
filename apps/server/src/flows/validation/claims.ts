import type { components } from '@faceproof/openapi/types';
import { validationEvent } from '../events.js';
import type { BiometricValidation, ValidationResult } from '../types.js';
import type { Passed } from './decision.js';

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
    livenessMethod: r.liveness ? 'active' : 'passive',
  };
}

/**
 * A passing decision with its signed result token in place (`d.claims`, signed by the handler): in
 * the redirect URL kept on the result, and in the validated event, which goes out before any other
 * event of the same change.
 */
export function seal<D extends Passed>(d: D, token: string): D {
  const v = d.next;
  const { redirectUrl } = v.options;
  const redirect = redirectUrl ? withToken(redirectUrl, token) : undefined;
  const result = redirect ? { ...v.result, redirectUrl: redirect } : v.result;
  const next = { ...v, result };
  const validated = validationEvent(next, 'biometric_validation_validated', {
    status: 'completed',
    person: result.person,
    matchScore: result.matchScore,
    livenessScore: result.biometricData.livenessScore,
    riskScore: result.riskScore,
    token,
  });
  return { ...d, next, events: [...validated, ...d.events] };
}

/**
 * The redirect with the result token appended. URLs are checked when they are stored, but a row
 * stored before that check may hold one that does not parse: then there is no redirect, rather
 * than a validation that can never complete.
 */
function withToken(url: string, token: string): string | undefined {
  if (!URL.canParse(url)) return undefined;
  const u = new URL(url);
  u.searchParams.set('token', token);
  return u.toString();
}
