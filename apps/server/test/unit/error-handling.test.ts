import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { routeErrorGaps, routeErrors, undocumentedError } from '../../src/contract/error-codes.js';
import { ApiError } from '../../src/errors.js';
import { registerErrorHandling } from '../../src/plugins/app/error-handler.js';

describe('the documented-code check', () => {
  it('accepts a code the spec lists for the operation and status, and says what is wrong otherwise', () => {
    expect(undocumentedError('getProject', 404, 'PROJECT_NOT_FOUND')).toBeUndefined();
    expect(undocumentedError('getProject', 404, 'PERSON_NOT_FOUND')).toMatch(
      /getProject documents 404 with PROJECT_NOT_FOUND, not PERSON_NOT_FOUND/,
    );
    expect(undocumentedError('getProject', 418, 'TEAPOT')).toMatch(/does not document status 418/);
    // The convention of the app-registration page: the code as that operation sends it.
    expect(
      undocumentedError('createAppRegistrationBiometricValidation', 409, 'person_already_set'),
    ).toBeUndefined();
  });

  it('leaves out errors of no operation and the 500 of a defect', () => {
    expect(undocumentedError(undefined, 404, 'NOT_FOUND')).toBeUndefined();
    expect(undocumentedError('getProject', 500, 'INTERNAL_ERROR')).toBeUndefined();
  });
});

describe('the error handler', () => {
  async function appThrowing(error: Error) {
    const app = Fastify({ logger: false });
    registerErrorHandling(app);
    app.get('/p', { config: { operationId: 'getProject' } }, async () => {
      throw error;
    });
    await app.ready();
    const res = await app.inject({ method: 'GET', url: '/p' });
    await app.close();
    return { status: res.statusCode, body: res.json() };
  }

  it('sends a documented error as it is', async () => {
    const res = await appThrowing(
      new ApiError(404, 'PROJECT_NOT_FOUND', 'Project not found', 'No project x.'),
    );
    expect(res).toMatchObject({ status: 404, body: { code: 'PROJECT_NOT_FOUND', message: 'No project x.' } });
  });

  it('fails loudly under test on a code the spec does not document for the operation', async () => {
    expect(process.env.NODE_ENV).toBe('test');
    const res = await appThrowing(new ApiError(404, 'PERSON_NOT_FOUND', 'Person not found', 'No person x.'));
    expect(res.status).toBe(500);
    expect(res.body.message).toMatch(/Undocumented error: getProject documents 404 with PROJECT_NOT_FOUND/);
  });
});

describe('the start-up check of what routes answer by themselves', () => {
  const same = (_status: number, code: string) => code;
  const route = { operationId: 'getThing', authenticated: true, validated: true, hasBody: false };

  it('lists each error a route can answer that the table lacks', () => {
    const table = {
      getThing: {
        401: ['UNAUTHORIZED', 'INVALID_TOKEN'],
        403: ['TOKEN_KIND_NOT_ACCEPTED'],
        429: ['RATE_LIMITED'],
      },
    };
    expect(routeErrorGaps(route, same, table)).toEqual([
      'getThing does not document status 400 (sending INVALID_REQUEST)',
    ]);
    expect(routeErrorGaps({ ...route, validated: false }, same, table)).toEqual([]);
  });

  it('asks for the body errors only of operations with a body', () => {
    expect(routeErrors({ ...route, hasBody: true }).map(([s]) => s)).toEqual([
      429, 401, 401, 403, 400, 413, 415,
    ]);
    expect(routeErrors({ ...route, authenticated: false, validated: false }).map(([s]) => s)).toEqual([429]);
  });
});
