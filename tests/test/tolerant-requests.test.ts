import { describe, expect, inject, it } from 'vitest';
import { ownProject, unique } from '../src/fixtures.js';
import { call } from '../src/http.js';
import { faces } from '../src/images.js';
import { operations, requestExamples } from '../src/spec.js';

// "Tolerant requests" in the spec's description: fields and query parameters it does not list are
// ignored on every operation, while the listed ones keep their types and limits.
const extraFields = {
  location: { city: 'Bogotá', country: 'Colombia', os: 'Linux', type: 'browser' },
  deviceInfo: { userAgent: 'Mozilla/5.0', screen: '1920x1080' },
};
const extraQuery = { 'populates[]': 'project', sort: '-createdAt', where_status: 'active', lean: 'true' };
// On the server a list's `sort` / `where_<field>` name fields its operation lists (`x-list-fields`):
// a filter on another field is refused rather than ignored, so the server's query keeps to listed ones.
const serverExtraQuery = { 'populates[]': 'project', sort: '-createdAt', where_name: 'none', lean: 'true' };

describe('tolerant requests', () => {
  const withBody = operations.filter((o) => requestExamples(o.operationId).length > 0);

  it.each(withBody.map((o) => o.operationId))(
    'mock accepts %s with unknown fields and query parameters',
    async (operationId) => {
      const body = { ...(requestExamples(operationId)[0]?.value as object), ...extraFields };
      const res = await call(inject('mockUrl'), {
        operationId,
        params: { id: '66df5bf5c4d855fb0bdf5da2' },
        query: extraQuery,
        token: 'any-bearer-token',
        body,
      });
      expect(res.violations).toEqual([]);
      expect(res.status).toBe(200);
    },
  );

  it('mock answers a list with Verifik query conventions it does not serve', async () => {
    const res = await call(inject('mockUrl'), { operationId: 'listProjects', token: 't', query: extraQuery });
    expect([res.status, res.violations]).toEqual([200, []]);
  });

  it('server ignores unknown fields and query parameters, validates the listed ones', async () => {
    const base = inject('serverUrl');
    const token = inject('demo').clientAccessToken;
    const name = unique('tolerant');
    const created = await call(base, {
      operationId: 'createProject',
      token,
      query: serverExtraQuery,
      body: { name, ...extraFields },
    });
    expect([created.status, created.violations]).toEqual([200, []]);
    expect(created.json.data.name).toBe(name);
    expect(created.json.data).not.toHaveProperty('location');

    const listed = await call(base, {
      operationId: 'listProjects',
      token,
      query: { ...serverExtraQuery, limit: '5' },
    });
    expect([listed.status, listed.violations]).toEqual([200, []]);

    const outOfRange = await call(base, {
      operationId: 'listProjects',
      token,
      query: { ...serverExtraQuery, limit: '0' },
    });
    expect([outOfRange.status, outOfRange.json.code]).toEqual([400, 'INVALID_REQUEST']);
    const wrongType = await call(base, {
      operationId: 'createProject',
      token,
      body: { name: 7, ...extraFields },
    });
    expect([wrongType.status, wrongType.json.details]).toEqual([
      400,
      [expect.objectContaining({ path: '/body/name' })],
    ]);
  });

  it('server runs a login with the extra fields Verifik clients send', async () => {
    const base = inject('serverUrl');
    const token = inject('demo').clientAccessToken;
    const own = await ownProject(base, token, {
      onboarding: { type: 'onboarding' },
      login: { type: 'login' },
    });
    const identifier = unique('tolerant-user');
    for (const [flow, type, image] of [
      [own.flows.onboarding, 'onboarding', faces.alice],
      [own.flows.login, 'login', faces.aliceAgain],
    ] as const) {
      const opened = await call(base, {
        operationId: 'createBiometricValidation',
        token,
        body: { project: own.project, projectFlow: flow, identifier, type, ...extraFields },
      });
      expect([opened.status, opened.violations]).toEqual([200, []]);
      const done = await call(base, {
        operationId: 'validateBiometricValidation',
        token: opened.json.data.token,
        body: { image, os: 'DESKTOP', ...extraFields },
      });
      expect([done.status, done.violations, done.json.data.status]).toEqual([200, [], 'completed']);
    }
  });
});
