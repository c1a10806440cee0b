import { describe, expect, it } from 'vitest';
import {
  flatFlowSettings,
  livenessShortfalls,
  nestedFlowSettings,
  personFace,
  profileFields,
  profileFrom,
} from '../../src/resources/face-recognition.js';
import { listQuery } from '../../src/resources/list-query.js';
import { newFlow } from '../../src/resources/project-flows.js';
import { analysis, noFace } from '../flows/fixtures.js';

const origin = {
  id: 'f1',
  clientId: 'c1',
  projectId: 'p1',
  collectionId: undefined,
  now: '2026-01-01T00:00:00.000Z',
};
const base = {
  status: 'active' as const,
  livenessMinScore: 0.6,
  searchMode: 'ACCURATE' as const,
  maxAttempts: 3,
  retainFaceImages: false,
  livenessMode: 'passive' as const,
  public: false,
  loginMatch: 'identifier' as const,
};

describe("Verifik's person fields", () => {
  it('maps the wire spelling onto the stored profile and back', () => {
    const profile = profileFrom({
      name: 'John Doe',
      gender: 'M',
      date_of_birth: '1990-01-15',
      nationality: 'US',
    });
    expect(profile).toEqual({ name: 'John Doe', gender: 'M', dateOfBirth: '1990-01-15', nationality: 'US' });
    expect(profileFields(profile)).toEqual({
      name: 'John Doe',
      gender: 'M',
      date_of_birth: '1990-01-15',
      nationality: 'US',
      notes: undefined,
    });
  });

  it('keeps absent fields of an update and clears the null ones', () => {
    const prior = { name: 'John Doe', gender: 'M' as const, notes: 'front desk', nationality: 'US' };
    expect(profileFrom({ notes: null, nationality: 'CO' }, prior)).toEqual({
      name: 'John Doe',
      gender: 'M',
      nationality: 'CO',
    });
  });
});

describe("a person's face from the request's images", () => {
  const compare = (a: Float32Array, b: Float32Array) => (a[0] === b[0] ? 0.97 : 0.2);

  it("takes the first image's face when every image shows the same person", () => {
    const first = analysis(0.9, { seed: 1 });
    const found = personFace([first, analysis(0.8, { seed: 1 })], compare, 0.9);
    expect(found).toEqual({ face: first, image: 0 });
  });

  it('names each image without a usable face, with the reason', () => {
    const found = personFace([analysis(0.9), noFace, noFace], compare, 0.9);
    expect(found).toEqual({
      issues: [
        { path: '/body/images/1', message: 'No face was found in the image.', reason: 'NO_FACE' },
        { path: '/body/images/2', message: 'No face was found in the image.', reason: 'NO_FACE' },
      ],
    });
  });

  it('refuses images of someone else than the first', () => {
    const found = personFace([analysis(0.9, { seed: 1 }), analysis(0.9, { seed: 2 })], compare, 0.9);
    expect(found).toMatchObject({ issues: [{ path: '/body/images/1' }] });
    expect('issues' in found && found.issues[0]?.message).toMatch(/not the same person as \/body\/images\/0/);
  });
});

describe('the liveness check of a person created live', () => {
  it('names each image below the minimum, and none at or above it', () => {
    expect(livenessShortfalls([0.6, 0.45, 0.9], 0.6)).toEqual([
      { path: '/body/images/1', message: 'liveness score 0.45 is below 0.6' },
    ]);
    expect(livenessShortfalls([0.6], 0.6)).toEqual([]);
  });
});

describe("a flow's nested settings", () => {
  it('folds liveness, loginSettings and onboardingSettings into the flat fields, the nested ones winning', () => {
    expect(
      flatFlowSettings({ ...base, liveness: { minScore: 0.7, attemptLimit: 5, searchMode: 'FAST' } }),
    ).toEqual({
      ...base,
      livenessMinScore: 0.7,
      maxAttempts: 5,
      searchMode: 'FAST',
    });
    expect(
      flatFlowSettings({
        livenessMinScore: 0.5,
        liveness: { minScore: 0.7, searchMinScore: 0.8 },
        loginSettings: { searchMinScore: 0.85 },
        onboardingSettings: { liveness: { livenessMinScore: 0.75 } },
      }),
    ).toEqual({ livenessMinScore: 0.75, searchMinScore: 0.85 });
    const pause = { status: 'paused' as const, maxAttempts: undefined };
    expect(flatFlowSettings(pause)).toEqual({ status: 'paused' });
  });

  it('presents liveness for every flow and the older object of its type', () => {
    const login = newFlow({ ...base, type: 'login' }, origin);
    expect(nestedFlowSettings(login)).toEqual({
      liveness: { minScore: 0.6, searchMinScore: 0.9, searchMode: 'ACCURATE', attemptLimit: 3 },
      loginSettings: { livenessMinScore: 0.6, searchMinScore: 0.9, searchMode: 'ACCURATE' },
      onboardingSettings: undefined,
    });
    const onboarding = newFlow({ ...base, type: 'onboarding', searchMode: 'FAST' }, origin);
    expect(nestedFlowSettings(onboarding)).toMatchObject({
      liveness: { searchMinScore: 0.85, searchMode: 'FAST' },
      loginSettings: undefined,
      onboardingSettings: { liveness: { livenessMinScore: 0.6 } },
    });
  });
});

describe("Verifik's list conventions", () => {
  const fields = ['_id', 'status', 'type', 'createdAt'];

  it('reads page, perPage over limit, sort and the where_/in_ filters', () => {
    expect(
      listQuery(
        {
          page: 2,
          limit: 20,
          perPage: 5,
          sort: '-createdAt',
          where_type: 'login',
          'in_status[]': ['completed', 'failed'],
          populates: ['project'],
        },
        fields,
      ),
    ).toEqual({
      query: {
        page: 2,
        limit: 5,
        sort: { field: 'createdAt', desc: true },
        where: [
          { field: 'type', values: ['login'] },
          { field: 'status', values: ['completed', 'failed'] },
        ],
      },
    });
    expect(listQuery({ page: 1, limit: 20, sort: '_id', 'in_status[]': 'new' }, fields)).toEqual({
      query: {
        page: 1,
        limit: 20,
        sort: { field: '_id', desc: false },
        where: [{ field: 'status', values: ['new'] }],
      },
    });
  });

  it('refuses a field the list does not have, naming the parameter', () => {
    const refused = listQuery(
      { page: 1, limit: 20, sort: '-name', where_secret: 'x', 'in_x[]': ['y'] },
      fields,
    );
    expect('issues' in refused && refused.issues.map((i) => i.path)).toEqual([
      '/query/sort',
      '/query/where_secret',
      '/query/in_x[]',
    ]);
  });
});
