// The generated types as another package imports them (`@faceproof/openapi/types`).
import {
  type components,
  type ErrorCode,
  errorCodes,
  type paths,
  type webhooks,
} from '@faceproof/openapi/types';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { loadBundle, errorCodes as readErrorCodes } from '../src/index.js';

describe('@faceproof/openapi/types', () => {
  it('carries the error-code table read from the named examples', () => {
    expect(errorCodes).toEqual(readErrorCodes(loadBundle()));
    expectTypeOf<ErrorCode<'validateBiometricValidation', 410>>().toEqualTypeOf<'LIVENESS_SESSION_EXPIRED'>();
    expectTypeOf<ErrorCode<'getJwks', 429>>().toEqualTypeOf<'RATE_LIMITED'>();
  });

  it('types paths, components and webhooks', () => {
    expectTypeOf<paths['/v2/biometric-validations']['post']['requestBody']>().not.toBeUnknown();
    expectTypeOf<components['schemas']['Language']>().toEqualTypeOf<'en' | 'es'>();
    type Validated = webhooks['biometric_validation_validated']['post'];
    expectTypeOf<
      NonNullable<Validated['requestBody']>['content']['application/json']['type']
    >().toEqualTypeOf<'biometric_validation_validated'>();
  });
});
