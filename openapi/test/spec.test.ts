import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import seeds from '../fixtures/seed-requests.json' with { type: 'json' };
import { Contract } from '../src/index.js';

// The bundled artifact, as every consumer sees it.
const contract = new Contract();
const { spec } = contract;
const operations = () => contract.operations;

function requestValidator(operationId: string) {
  return contract.compile(contract.operation(operationId).op.requestBody.content['application/json'].schema);
}

function errorExamples(operationId: string, status: string) {
  const media = contract.resolve(contract.operation(operationId).op.responses[status])?.content?.[
    'application/json'
  ];
  return Object.entries<any>(media?.examples ?? {}).map(([name, ex]) => ({
    name,
    value: contract.resolve(ex).value,
  }));
}

describe('bundled artifact', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const result = await new Validator().validate(structuredClone(spec));
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(spec.openapi).toMatch(/^3\.1\./);
  });

  it('describes exactly the operations of the source pages and the ones that make them usable', () => {
    expect(operations().map((o) => `${o.method.toUpperCase()} ${o.path} ${o.operationId}`)).toEqual([
      'POST /v2/biometric-validations createBiometricValidation',
      'GET /v2/biometric-validations listBiometricValidations',
      'POST /v2/biometric-validations/validate validateBiometricValidation',
      'POST /v2/biometric-validations/confirm-2fa confirmBiometricValidationCode',
      'POST /v2/biometric-validations/app-registration createAppRegistrationBiometricValidation',
      'POST /v2/biometric-validations/liveness-challenge createLivenessChallenge',
      'POST /v2/biometric-validations/app-registration/liveness-challenge createAppRegistrationLivenessChallenge',
      'POST /v2/biometric-validations/app-login createAppLoginBiometricValidation',
      'POST /v2/projects createProject',
      'GET /v2/projects listProjects',
      'GET /v2/projects/kyc getProjectSettings',
      'GET /v2/projects/{id} getProject',
      'PATCH /v2/projects/{id} updateProject',
      'POST /v2/project-flows createProjectFlow',
      'GET /v2/project-flows listProjectFlows',
      'GET /v2/project-flows/{id} getProjectFlow',
      'PATCH /v2/project-flows/{id} updateProjectFlow',
      'PUT /v2/project-flows/{id} putProjectFlow',
      'POST /v2/face-recognition/collections createFaceRecognitionCollection',
      'GET /v2/face-recognition/collections listFaceRecognitionCollections',
      'GET /v2/face-recognition/collections/{id} getFaceRecognitionCollection',
      'PUT /v2/face-recognition/collections/{id} updateFaceRecognitionCollection',
      'DELETE /v2/face-recognition/collections/{id} deleteFaceRecognitionCollection',
      'POST /v2/face-recognition/persons createFaceRecognitionPerson',
      'GET /v2/face-recognition/persons listFaceRecognitionPersons',
      'POST /v2/face-recognition/persons/search-live-face createLivePerson',
      'GET /v2/face-recognition/persons/{id} getFaceRecognitionPerson',
      'PUT /v2/face-recognition/persons/{id} updateFaceRecognitionPerson',
      'DELETE /v2/face-recognition/persons/{id} deleteFaceRecognitionPerson',
      'POST /v2/collections createCollection',
      'GET /v2/collections listCollections',
      'GET /v2/collections/{id} getCollection',
      'DELETE /v2/collections/{id} deleteCollection',
      'GET /v2/persons listPersons',
      'GET /v2/persons/{id} getPerson',
      'DELETE /v2/persons/{id} deletePerson',
      'POST /v2/app-registrations createAppRegistration',
      'GET /v2/app-registrations/me getOwnAppRegistration',
      'POST /v2/app-registrations/me readOwnAppRegistration',
      'GET /v2/app-registrations/{id} getAppRegistration',
      'PUT /v2/app-registrations/{id} updateAppRegistration',
      'PUT /v2/app-registrations/{id}/sync syncAppRegistration',
      'GET /v2/biometric-validations/{id} getBiometricValidation',
      'DELETE /v2/biometric-validations/{id} deleteBiometricValidation',
      'GET /.well-known/jwks.json getJwks',
      'GET /healthz getHealth',
      'GET /readyz getReadiness',
    ]);
  });

  it('gives every operation at most one token kind, and every kind an operation', () => {
    const schemes = operations().map((o) => o.op.security.flatMap((s: object) => Object.keys(s)));
    for (const s of schemes) expect(s.length).toBeLessThanOrEqual(1);
    const public_ = operations()
      .filter((o) => o.op.security.length === 0)
      .map((o) => o.operationId);
    expect(public_).toEqual(['getProjectSettings', 'getJwks', 'getHealth', 'getReadiness']);
    // The public starts take a client token or none (`{}`), never another kind.
    const either = operations()
      .filter((o) => o.op.security.some((s: object) => Object.keys(s).length === 0))
      .map((o) => o.operationId);
    expect(either).toEqual(['createBiometricValidation', 'createAppRegistration']);
    expect([...new Set(schemes.flat())].sort()).toEqual(Object.keys(spec.components.securitySchemes).sort());
  });
});

describe('error catalogue', () => {
  // The error codes the source pages name, and the ones a real session needs.
  const required: [string, string, string][] = [
    ['createBiometricValidation', '400', 'INVALID_PROJECT_FLOW'],
    ['createBiometricValidation', '400', 'INVALID_REQUEST'],
    ['createBiometricValidation', '401', 'UNAUTHORIZED'],
    ['createBiometricValidation', '404', 'PROJECT_NOT_FOUND'],
    ['validateBiometricValidation', '400', 'INVALID_BIOMETRIC_DATA'],
    ['validateBiometricValidation', '400', 'LIVENESS_DETECTION_FAILED'],
    ['validateBiometricValidation', '400', 'IDENTITY_VERIFICATION_FAILED'],
    ['validateBiometricValidation', '401', 'UNAUTHORIZED'],
    ['validateBiometricValidation', '401', 'INVALID_TOKEN'],
    ['validateBiometricValidation', '403', 'TOKEN_KIND_NOT_ACCEPTED'],
    ['validateBiometricValidation', '404', 'BIOMETRIC_VALIDATION_NOT_FOUND'],
    ['validateBiometricValidation', '409', 'BIOMETRIC_VALIDATION_ALREADY_COMPLETED'],
    ['validateBiometricValidation', '410', 'LIVENESS_SESSION_EXPIRED'],
    ['confirmBiometricValidationCode', '400', 'INVALID_CODE'],
    ['confirmBiometricValidationCode', '409', 'BIOMETRIC_VALIDATION_NOT_AWAITING_CODE'],
    ['confirmBiometricValidationCode', '409', 'BIOMETRIC_VALIDATION_ALREADY_COMPLETED'],
    ['confirmBiometricValidationCode', '409', 'CODE_ATTEMPTS_EXHAUSTED'],
    ['confirmBiometricValidationCode', '410', 'CODE_EXPIRED'],
    ['createAppRegistrationBiometricValidation', '409', 'person_already_set'],
    ['createAppRegistrationBiometricValidation', '409', 'liveness_failed'],
    ['createAppRegistrationBiometricValidation', '409', 'collection_not_set'],
    ['createAppRegistrationBiometricValidation', '404', 'appRegistration_not_found'],
    ['createAppRegistrationBiometricValidation', '400', 'invalid_request'],
    ['createAppRegistrationBiometricValidation', '401', 'unauthorized'],
    ['createAppRegistrationBiometricValidation', '401', 'invalid_token'],
  ];

  it.each(required)('%s declares %s %s as a named example', (operationId, status, code) => {
    expect(errorExamples(operationId, status).map((e) => e.value.code)).toContain(code);
  });

  it('keeps the failing score in the liveness_failed message', () => {
    const ex = errorExamples('createAppRegistrationBiometricValidation', '409').find(
      (e) => e.value.code === 'liveness_failed',
    );
    expect(ex?.value.message).toMatch(/^409:liveness_failed@0\.\d+$/);
  });

  const validateError = contract.compile({ $ref: '#/components/schemas/ErrorResponse' });
  for (const { operationId, op } of operations()) {
    for (const [status, response] of Object.entries<any>(op.responses).filter(([s]) => s >= '400')) {
      it(`${operationId} ${status} uses the error envelope in that operation's convention`, () => {
        const media = contract.resolve(response).content['application/json'];
        expect(media.schema.$ref).toBe('#/components/schemas/ErrorResponse');
        for (const { value } of errorExamples(operationId, status)) {
          expect(validateError(value), JSON.stringify(validateError.errors)).toBe(true);
          if (
            operationId === 'validateBiometricValidation' ||
            operationId === 'confirmBiometricValidationCode'
          )
            expect(value.message).toBe(value.code);
          if (operationId === 'createAppRegistrationBiometricValidation') {
            expect(value.code).toMatch(/^[a-z][A-Za-z]*(_[a-z]+)*$/);
            expect(value.message.startsWith(`${status}:${value.code}`)).toBe(true);
          }
          if (operationId === 'createBiometricValidation') expect(value.code).toMatch(/^[A-Z]+(_[A-Z]+)*$/);
        }
      });
    }
  }
});

describe('examples', () => {
  const all: { where: string; schemaRef: string; value: unknown }[] = [];
  for (const { operationId, op } of operations()) {
    const body = op.requestBody?.content['application/json'];
    for (const [name, ex] of Object.entries<any>(body?.examples ?? {}))
      all.push({
        where: `${operationId} request ${name}`,
        schemaRef: body.schema.$ref,
        value: contract.resolve(ex).value,
      });
    for (const [status, response] of Object.entries<any>(op.responses)) {
      const media = contract.resolve(response).content['application/json'];
      for (const [name, ex] of Object.entries<any>(media.examples))
        all.push({
          where: `${operationId} ${status} ${name}`,
          schemaRef: media.schema.$ref,
          value: contract.resolve(ex).value,
        });
    }
  }

  it.each(all)('$where is valid against its schema', ({ schemaRef, value }) => {
    const validate = contract.compile({ $ref: schemaRef });
    expect(validate(value), JSON.stringify(validate.errors)).toBe(true);
  });
});

describe('request examples of the source pages', () => {
  it.each(seeds.requests)('$source is a valid request', ({ operationId, body }) => {
    const validate = requestValidator(operationId);
    expect(validate(body), JSON.stringify(validate.errors)).toBe(true);
  });

  it('requires email when sendViaEmail or requires2FA is true', () => {
    const validate = requestValidator('createBiometricValidation');
    const base = { project: 'p', projectFlow: 'f', identifier: 'u', type: 'login' };
    expect(validate({ ...base, sendViaEmail: true })).toBe(false);
    expect(validate({ ...base, requires2FA: true })).toBe(false);
    expect(validate({ ...base, sendViaEmail: false })).toBe(true);
    expect(validate({ ...base, sendViaEmail: true, email: 'a@example.com' })).toBe(true);
  });

  it('takes a 2FA code of exactly six digits', () => {
    const confirm = requestValidator('confirmBiometricValidationCode');
    expect(confirm({ code: '012345' })).toBe(true);
    for (const code of ['12345', '1234567', '12345a', 123456, ' 123456'])
      expect(confirm({ code }), String(code)).toBe(false);
    expect(confirm({ code: '123456', extra: true })).toBe(true);
  });

  it('ignores unknown fields but refuses listed ones out of type, range or enum', () => {
    const create = requestValidator('createBiometricValidation');
    const base = { project: 'p', projectFlow: 'f', identifier: 'u', type: 'login' };
    expect(create({ ...base, location: { city: 'Bogotá' }, os: 'DESKTOP', redirectURL: 'x' })).toBe(true);
    expect(create({ ...base, identifier: 'u'.repeat(257) })).toBe(false);
    expect(create({ ...base, ipAddress: 42 })).toBe(false);
    expect(create({ ...base, type: 'selfie' })).toBe(false);
    expect(create({ ...base, language: 'fr' })).toBe(false);
    const register = requestValidator('createAppRegistrationBiometricValidation');
    expect(register({ image: 'x', os: 'WINDOWS' })).toBe(false);
    expect(register({ image: 'x' })).toBe(false);
  });
});

describe('webhooks', () => {
  const webhooks = Object.entries<any>(spec.webhooks ?? {});

  it('lists every event the server sends, one schema each', () => {
    expect(webhooks.map(([event]) => event)).toEqual([
      'biometric_validation_validated',
      'biometric_validation_failed',
      'biometric_validation_expired',
      'biometric_validation_created_person',
      'app_registration_person_created',
      'app_registration_person_replaced',
    ]);
    const schemaRefs = webhooks.map(
      ([, item]) => item.post.requestBody.content['application/json'].schema.$ref,
    );
    expect(new Set(schemaRefs).size).toBe(webhooks.length);
  });

  it.each(webhooks)('%s names itself in `type`, is signed, and has valid named examples', (event, item) => {
    const media = item.post.requestBody.content['application/json'];
    expect(contract.resolve(media.schema).properties.type.const).toBe(event);
    expect(item.post.parameters.map((p: any) => contract.resolve(p).name)).toEqual([
      'webhook-id',
      'webhook-timestamp',
      'webhook-signature',
    ]);
    const validate = contract.compile(media.schema);
    const examples = Object.values<any>(media.examples).map((ex) => contract.resolve(ex).value);
    expect(examples.length).toBeGreaterThan(0);
    for (const value of examples) {
      expect(validate(value), JSON.stringify(validate.errors)).toBe(true);
      expect(value.type).toBe(event);
    }
    expect(validate({ ...examples[0], type: 'something_else' })).toBe(false);
  });
});

describe('token claims', () => {
  it.each([
    ['BiometricValidationResult', 'ResultTokenClaims', 'faceproof:result'],
    ['CreateBiometricValidationResponse', 'LivenessSessionTokenClaims', 'faceproof:liveness-session'],
    ['CreateAppRegistrationResponse', 'AppRegistrationTokenClaims', 'faceproof:app-registration'],
  ])('%s documents its token with %s', (holder, claims, audience) => {
    const schema = spec.components.schemas[holder];
    // The token sits on the schema, in its `data`, or in the schema `data` refers to.
    const data = schema.properties.data;
    const inData = () =>
      data.$ref
        ? spec.components.schemas[data.$ref.split('/').pop()].properties.token
        : data.properties.token;
    const held = schema.properties.token ?? inData();
    const token = held.$ref ? spec.components.schemas[held.$ref.split('/').pop()] : held;
    expect(token.contentMediaType).toBe('application/jwt');
    expect(token.contentSchema.$ref).toBe(`#/components/schemas/${claims}`);
    expect(spec.components.schemas[claims].properties.aud.const).toBe(audience);
  });

  it('documents the result token sent in the validated webhook too', () => {
    const event = spec.components.schemas.BiometricValidationValidatedEvent;
    expect(event.properties.data.properties.token.contentSchema.$ref).toBe(
      '#/components/schemas/ResultTokenClaims',
    );
  });
});

describe('shared responses', () => {
  const shared = ['401', '403', '413', '415', '429', '503'];

  it('are referenced, never written inline, by every operation', () => {
    const inline = operations().flatMap(({ operationId, op }) =>
      Object.entries<any>(op.responses)
        .filter(([status, r]) => shared.includes(status) && !r.$ref?.startsWith('#/components/responses/'))
        .map(([status]) => `${operationId} ${status}`),
    );
    expect(inline).toEqual([]);
  });

  it('are each used, and answer the status they are named for', () => {
    const used = new Map<string, Set<string>>();
    for (const { op } of operations())
      for (const [status, r] of Object.entries<any>(op.responses))
        if (r.$ref) used.set(r.$ref, (used.get(r.$ref) ?? new Set()).add(status));
    for (const name of Object.keys(spec.components.responses)) {
      const statuses = used.get(`#/components/responses/${name}`);
      expect(statuses, name).toBeDefined();
      expect(statuses?.size, name).toBe(1);
    }
  });
});
