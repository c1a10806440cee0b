// Type tests: `pnpm typecheck` (tsc --noEmit) fails if any `@ts-expect-error` below stops being an
// error, or if a correct use stops compiling. Never run, only compiled.
import {
  createFaceproofClient,
  type ErrorCode,
  type FaceproofResult,
  type OperationId,
} from '../../src/index.js';

declare const assertType: <T>(value: T) => void;
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
declare const expectTrue: <T extends true>() => void;

const fp = createFaceproofClient({ baseUrl: 'http://127.0.0.1:3000', accessToken: 't' });
const body = { project: 'p', projectFlow: 'f', identifier: 'u', type: 'login' } as const;

export async function requests() {
  await fp.biometricValidations.create(body);
  await fp.biometricValidations.create({ ...body, sendViaEmail: true, email: 'a@b.c', language: 'es' });
  // @ts-expect-error wrong body field (misspelt redirectUrl)
  await fp.biometricValidations.create({ ...body, redirectURL: 'https://x' });
  // @ts-expect-error wrong enum value
  await fp.biometricValidations.create({ ...body, type: 'signup' });
  // @ts-expect-error missing required field (identifier)
  await fp.biometricValidations.create({ project: 'p', projectFlow: 'f', type: 'login' });
  // @ts-expect-error wrong enum value for os
  await fp.appRegistration('t').validateFace({ image: 'data:image/jpeg;base64,/9j/', os: 'WINDOWS' });
  // @ts-expect-error missing os
  await fp.appRegistration('t').validateFace({ image: 'data:image/jpeg;base64,/9j/' });
  // @ts-expect-error an image must be a string, Blob or bytes
  await fp.session('t').validate({ image: 42 });
  await fp.session('t').validate({ image: new Blob([]) });
  await fp.session('t').validate({ image: new Uint8Array() });
  // @ts-expect-error no such call option
  await fp.session('t').validate({ image: '' }, { retries: 3 });
}

export async function responses() {
  const r = await fp.biometricValidations.create(body);
  // @ts-expect-error data may be undefined before narrowing
  r.data.data.token;
  if (r.ok) {
    assertType<string>(r.data.data.token);
    assertType<'new' | 'awaiting_2fa' | 'completed' | 'failed' | 'expired'>(
      r.data.data.biometricValidation.status,
    );
    // @ts-expect-error using a response field that does not exist
    r.data.data.sessionToken;
    return;
  }
  switch (r.status) {
    case 400:
      expectTrue<Equal<typeof r.code, 'INVALID_REQUEST' | 'INVALID_PROJECT_FLOW'>>();
      break;
    case 404:
      if (r.code === 'PROJECT_FLOW_NOT_FOUND') assertType<'PROJECT_FLOW_NOT_FOUND'>(r.error.code);
      // @ts-expect-error a code declared for another status
      if (r.code === 'INVALID_REQUEST') break;
      break;
    // @ts-expect-error a status the operation does not declare (create has no 503)
    case 503:
      break;
    // @ts-expect-error a status no operation declares
    case 418:
      break;
  }
  switch (r.code) {
    case 'RATE_LIMITED':
      expectTrue<Equal<typeof r.status, 429>>();
      assertType<number | undefined>(r.error.attemptsRemaining);
      break;
    // @ts-expect-error an error code the operation does not declare
    case 'ENGINE_BUSY':
      break;
  }
}

export async function exhaustive() {
  const v = await fp.session('t').validate({ image: '' });
  if (v.ok) {
    assertType<string>(v.data.data.token);
    return 'ok';
  }
  switch (v.code) {
    case 'INVALID_REQUEST':
    case 'INVALID_BIOMETRIC_DATA':
    case 'LIVENESS_DETECTION_FAILED':
    case 'IDENTITY_VERIFICATION_FAILED':
      return v.error.attemptsRemaining;
    case 'ACTIVE_LIVENESS_REQUIRED':
    case 'LIVENESS_CHALLENGE_INVALID':
    case 'LIVENESS_CHALLENGE_EXPIRED':
      // Refused before anything was analysed: no attempt counted; the details say what to send.
      return v.error.details?.[0]?.message;
    case 'UNAUTHORIZED':
    case 'INVALID_TOKEN':
    case 'TOKEN_KIND_NOT_ACCEPTED':
    case 'BIOMETRIC_VALIDATION_NOT_FOUND':
    case 'BIOMETRIC_VALIDATION_ALREADY_COMPLETED':
    case 'BIOMETRIC_VALIDATION_FAILED':
    case 'LIVENESS_SESSION_EXPIRED':
    case 'PAYLOAD_TOO_LARGE':
    case 'UNSUPPORTED_MEDIA_TYPE':
    case 'RATE_LIMITED':
    case 'ENGINE_BUSY':
      return v.code;
    default: {
      // Every declared code is handled above, so nothing is left here.
      const none: never = v;
      return none;
    }
  }
}

export async function appRegistrationCodes() {
  const a = await fp.appRegistration('t').validateFace({ image: '', os: 'IOS', force: true });
  if (!a.ok && a.status === 409) {
    expectTrue<
      Equal<
        typeof a.code,
        'person_already_set' | 'liveness_failed' | 'collection_not_set' | 'appRegistration_not_active'
      >
    >();
  }
  if (a.ok)
    assertType<
      | 'STARTED'
      | 'ONGOING'
      | 'COMPLETED'
      | 'COMPLETED_WITHOUT_KYC'
      | 'NEEDS_MANUAL_VERIFICATION'
      | 'FAILED'
      | 'EXPIRED'
    >(a.data.data.status);
}

// New operations of the spec are typed without any hand-written code.
expectTrue<Equal<'createBiometricValidation' extends OperationId ? true : false, true>>();
expectTrue<Equal<ErrorCode<'validateBiometricValidation', 410>, 'LIVENESS_SESSION_EXPIRED'>>();
export type AnyResult = FaceproofResult<OperationId>;

export async function raw() {
  const { data, error } = await fp.raw.POST('/v2/biometric-validations', { body });
  if (data) assertType<string>(data.data.token);
  if (error) assertType<string>(error.code);
  // @ts-expect-error a path the spec does not have
  await fp.raw.POST('/v2/biometric-validation', { body });
}

// Active liveness (issue 14): the challenge is typed from the spec, and so are the frames.
export async function activeLiveness() {
  const s = fp.session('t');
  const issued = await s.challenge();
  if (issued.ok) {
    assertType<'active' | 'passive'>(issued.data.data.livenessMode);
    const steps = issued.data.data.challenge?.steps ?? [];
    assertType<('turn_left' | 'turn_right' | 'look_up' | 'look_down' | 'move_closer')[]>(steps);
  } else if (issued.status === 409) {
    expectTrue<
      Equal<
        typeof issued.code,
        | 'BIOMETRIC_VALIDATION_ALREADY_COMPLETED'
        | 'BIOMETRIC_VALIDATION_FAILED'
        | 'LIVENESS_CHALLENGE_LIMIT_REACHED'
      >
    >();
  }
  const frames = [{ image: new Uint8Array([0xff, 0xd8, 0xff]), capturedAtMs: 0 }];
  const r = await s.validate({ image: '', challengeId: 'c', frames });
  if (!r.ok && r.code === 'LIVENESS_DETECTION_FAILED')
    assertType<boolean | undefined>(r.error.liveness?.live);
  // @ts-expect-error a frame needs its capture time
  await s.validate({ image: '', challengeId: 'c', frames: [{ image: '' }] });
}
