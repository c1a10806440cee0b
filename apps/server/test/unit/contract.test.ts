import { describe, expect, it } from 'vitest';
import { operations } from '../../src/contract/bundle.js';
import { requestAjvs, requestIssues, requestValidators } from '../../src/contract/validators.js';

const ajvs = requestAjvs();
const validatorsOf = (operationId: string) => {
  const op = operations().find((o) => o.operationId === operationId);
  if (!op) throw new Error(`no operation ${operationId}`);
  return requestValidators(ajvs, op);
};
const request = (parts: { params?: unknown; query?: unknown; headers?: unknown; body?: unknown }) => ({
  params: {},
  query: {},
  headers: {},
  body: undefined,
  ...parts,
});

describe('request validators compiled from the spec', () => {
  it("fills in a body's defaults, those behind a $ref included", () => {
    const body = { project: 'p', projectFlow: 'f', identifier: 'i', type: 'login' };
    expect(requestIssues(validatorsOf('createBiometricValidation'), request({ body }))).toEqual([]);
    expect(body).toMatchObject({ sendViaEmail: false, requires2FA: false, language: 'en' });
  });

  it('never fills defaults into a PATCH body, where a missing field means unchanged', () => {
    const body = { name: 'Renamed' };
    expect(requestIssues(validatorsOf('updateProjectFlow'), request({ params: { id: 'x' }, body }))).toEqual(
      [],
    );
    expect(body).toEqual({ name: 'Renamed' });
  });

  it('fills in and coerces query defaults', () => {
    const query: Record<string, unknown> = { limit: '5' };
    expect(requestIssues(validatorsOf('listProjects'), request({ query }))).toEqual([]);
    expect(query).toEqual({ page: 1, limit: 5 });
  });

  it('validates header parameters by their lower-case names', () => {
    const v = validatorsOf('createBiometricValidation');
    const body = { project: 'p', projectFlow: 'f', identifier: 'i', type: 'login' };
    const issues = requestIssues(v, request({ headers: { 'idempotency-key': 'k'.repeat(256) }, body }));
    expect(issues).toEqual([
      { path: '/header/idempotency-key', message: 'must NOT have more than 255 characters' },
    ]);
    expect(requestIssues(v, request({ headers: { 'idempotency-key': 'k-1', host: 'x' }, body }))).toEqual([]);
  });
});
