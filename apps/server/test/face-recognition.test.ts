import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataUri, fx, type Harness, ownFlows, startServer, unique } from './helpers.js';

// Verifik's collections, persons and nested flow settings (issue 16), on the store of this run.
let h: Harness;
let token: string;
const A0 = dataUri(fx.personA[0]);
const A1 = dataUri(fx.personA[1]);
const B = dataUri(fx.personB);
const NO_FACE = dataUri(fx.nonFace);

beforeAll(async () => {
  h = await startServer();
  token = h.demo.clientAccessToken;
});
afterAll(async () => h?.close());

const call = (method: string, p: string, body?: unknown) => h.call(method, p, { token, body });

async function collection(name = unique('faces')) {
  const res = await call('POST', '/v2/face-recognition/collections', { project: h.demo.project, name });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.data as { _id: string; code: string };
}

async function person(collectionRef: string, images: string[], extra: Record<string, unknown> = {}) {
  return call('POST', '/v2/face-recognition/persons', {
    name: 'John Doe',
    images,
    collections: [collectionRef],
    ...extra,
  });
}

describe('collections at /v2/face-recognition/collections', () => {
  it("puts a collection created without a project into the client's first project", async () => {
    // Made after the demo project, whatever else this file makes: the demo project stays the first.
    const later = await call('POST', '/v2/projects', { name: unique('later') });
    expect(later.status).toBe(200);
    const res = await call('POST', '/v2/face-recognition/collections', {
      name: 'Ejemplo',
      description: 'default',
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data).toMatchObject({
      project: h.demo.project,
      name: 'Ejemplo',
      description: 'default',
      deleted: false,
      __v: 0,
      persons: 0,
    });
    const named = await call('POST', '/v2/face-recognition/collections', {
      name: 'Ejemplo',
      project: later.body.data._id,
    });
    expect(named.body.data.project).toBe(later.body.data._id);
  });

  it('reads, renames (counting the updates in __v) and deletes, the deprecated path answering the same', async () => {
    const c = await collection();
    const renamed = await call('PUT', `/v2/face-recognition/collections/${c._id}`, {
      name: 'Renamed',
      description: 'first',
    });
    expect(renamed.status).toBe(200);
    expect(renamed.body.data).toMatchObject({ name: 'Renamed', description: 'first', __v: 1, code: c.code });
    const cleared = await call('PUT', `/v2/face-recognition/collections/${c._id}`, {
      name: 'Renamed',
      description: null,
    });
    expect(cleared.body.data.__v).toBe(2);
    expect(cleared.body.data.description).toBeUndefined();
    const viaNew = await call('GET', `/v2/face-recognition/collections/${c._id}`);
    const viaOld = await call('GET', `/v2/collections/${c._id}`);
    expect(viaNew.body).toEqual(viaOld.body);
    const listed = await call('GET', `/v2/face-recognition/collections?project=${h.demo.project}&limit=100`);
    expect(listed.body.data.map((x: { _id: string }) => x._id)).toContain(c._id);
    expect((await call('DELETE', `/v2/face-recognition/collections/${c._id}`)).body.data).toMatchObject({
      _id: c._id,
      deleted: true,
    });
    expect((await call('GET', `/v2/face-recognition/collections/${c._id}`)).status).toBe(404);
    expect((await call('PUT', `/v2/face-recognition/collections/${c._id}`, { name: 'x' })).status).toBe(404);
  });
});

describe('persons at /v2/face-recognition/persons', () => {
  it('enrols a person from two photos of them, searchable at once by a login validation', async () => {
    const flows = await ownFlows(h);
    const created = await person(flows.collection, [A0, A1], {
      gender: 'M',
      date_of_birth: '1990-01-15',
      nationality: 'US',
      identifier: 'john',
    });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    expect(created.body.data).toMatchObject({
      name: 'John Doe',
      gender: 'M',
      date_of_birth: '1990-01-15',
      nationality: 'US',
      identifier: 'john',
      collection: flows.collection,
      collections: [flows.collection],
      templates: 1,
      faceImages: 0,
    });
    const id = created.body.data._id;
    expect((await call('GET', `/v2/persons/${id}`)).body).toEqual(
      (await call('GET', `/v2/face-recognition/persons/${id}`)).body,
    );

    const login = await call('POST', '/v2/biometric-validations', {
      project: h.demo.project,
      projectFlow: flows.loginFlow,
      identifier: 'john',
      type: 'login',
    });
    const validated = await h.call('POST', '/v2/biometric-validations/validate', {
      token: login.body.data.token,
      body: { image: A1 },
    });
    expect(validated.body.data).toMatchObject({ status: 'completed', person: id });
  });

  it('finds the collection by its code, and refuses a face already enrolled there or a taken identifier', async () => {
    const c = await collection();
    const first = await person(c.code, [A0]);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body.data.identifier).toBe(first.body.data._id);
    const again = await person(c._id, [A1]);
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('PERSON_ALREADY_SET');
    expect(again.body.details).toEqual([
      { path: '/body/images/0', message: `already enrolled as person ${first.body.data._id}` },
    ]);
    const taken = await person(c._id, [B], { identifier: first.body.data._id });
    expect(taken.status).toBe(409);
    expect(taken.body.code).toBe('PERSON_ALREADY_SET');
    // Another collection holds the same face as a person of its own.
    expect((await person((await collection())._id, [A1])).status).toBe(200);
  });

  it('refuses images without a face or of two people, and an unknown collection', async () => {
    const c = await collection();
    const noFace = await person(c._id, [A0, NO_FACE]);
    expect(noFace.status).toBe(400);
    expect(noFace.body.code).toBe('INVALID_IMAGE');
    expect(noFace.body.details).toMatchObject([{ path: '/body/images/1', reason: 'NO_FACE' }]);
    const twoPeople = await person(c._id, [A0, B]);
    expect(twoPeople.status).toBe(400);
    expect(twoPeople.body.details).toMatchObject([{ path: '/body/images/1' }]);
    expect((await call('GET', `/v2/face-recognition/persons?collection=${c._id}`)).body.total).toBe(0);
    const ghost = await person('000000000000000000000000', [A0]);
    expect(ghost.status).toBe(404);
    expect(ghost.body.code).toBe('COLLECTION_NOT_FOUND');
  });

  it('updates the profile, replaces the face, keeps the person in their collection and deletes them', async () => {
    const c = await collection();
    const created = await person(c._id, [A0], { nationality: 'US', notes: 'front desk' });
    const id = created.body.data._id;
    const updated = await call('PUT', `/v2/face-recognition/persons/${id}`, {
      notes: 'night shift',
      nationality: null,
    });
    expect(updated.status).toBe(200);
    expect(updated.body.data).toMatchObject({ name: 'John Doe', notes: 'night shift' });
    expect(updated.body.data.nationality).toBeUndefined();

    const moved = await call('PUT', `/v2/face-recognition/persons/${id}`, {
      collections: [(await collection())._id],
    });
    expect(moved.status).toBe(400);
    expect(moved.body.details).toMatchObject([{ path: '/body/collections/0' }]);
    expect((await call('PUT', `/v2/face-recognition/persons/${id}`, { collections: [c.code] })).status).toBe(
      200,
    );

    const replaced = await call('PUT', `/v2/face-recognition/persons/${id}`, { images: [B] });
    expect(replaced.status, JSON.stringify(replaced.body)).toBe(200);
    expect(replaced.body.data.templates).toBe(1);
    // A's face left the collection's index with the old template: A may be enrolled anew.
    expect((await person(c._id, [A1])).status).toBe(200);
    expect((await call('PUT', `/v2/face-recognition/persons/${id}`, { images: [A0] })).status).toBe(409);

    expect((await call('DELETE', `/v2/face-recognition/persons/${id}`)).body.data).toMatchObject({
      _id: id,
      deleted: true,
      templates: 1,
    });
    expect((await call('GET', `/v2/face-recognition/persons/${id}`)).status).toBe(404);
    expect((await call('PUT', `/v2/face-recognition/persons/${id}`, { notes: 'x' })).status).toBe(404);
  });
});

describe('persons created live at /v2/face-recognition/persons/search-live-face', () => {
  const live = (collectionId: string, images: string[], over: Record<string, unknown> = {}) =>
    call('POST', '/v2/face-recognition/persons/search-live-face', {
      name: 'John Doe',
      images,
      gender: 'M',
      date_of_birth: '1990-01-15',
      collection_id: collectionId,
      liveness_min_score: 0.5,
      min_score: 0.9,
      search_mode: 'ACCURATE',
      ...over,
    });

  it('enrols a live face once, refuses it again, and refuses a score below the minimum', async () => {
    const c = await collection();
    const strict = await live(c._id, [A0], { liveness_min_score: 1 });
    expect(strict.status).toBe(409);
    expect(strict.body.code).toBe('LIVENESS_FAILED');
    expect(strict.body.details).toMatchObject([{ path: '/body/images/0' }]);
    const created = await live(c.code, [A0], { liveness_min_score: 0.5 });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    expect(created.body.data).toMatchObject({
      name: 'John Doe',
      gender: 'M',
      collections: [c._id],
      templates: 1,
    });
    const again = await live(c._id, [A1]);
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('DUPLICATED_PERSON');
    expect(again.body.details).toEqual([
      { path: '/body/images/0', message: `already enrolled as person ${created.body.data._id}` },
    ]);
    expect((await call('GET', `/v2/face-recognition/persons?collection=${c._id}`)).body.total).toBe(1);
  });
});

describe("project flows in Verifik's nested shape", () => {
  it('takes liveness, loginSettings and onboardingSettings on create, PATCH and PUT, and presents them', async () => {
    const created = await call('POST', '/v2/project-flows', {
      project: h.demo.project,
      type: 'onboarding',
      onboardingSettings: { liveness: { livenessMinScore: 0.7 } },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    expect(created.body.data).toMatchObject({
      livenessMinScore: 0.7,
      liveness: { minScore: 0.7, searchMinScore: 0.9, searchMode: 'ACCURATE', attemptLimit: 3 },
      onboardingSettings: { liveness: { livenessMinScore: 0.7 } },
    });
    expect(created.body.data.loginSettings).toBeUndefined();
    const id = created.body.data._id;
    const put = await call('PUT', `/v2/project-flows/${id}`, {
      liveness: { attemptLimit: 5, minScore: 0.65, searchMode: 'FAST' },
    });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    expect(put.body.data).toMatchObject({
      maxAttempts: 5,
      livenessMinScore: 0.65,
      searchMode: 'FAST',
      searchMinScore: 0.85,
    });
    // A PUT without a searchMode does not get the spec's default mode back.
    const renamed = await call('PUT', `/v2/project-flows/${id}`, { name: 'Renamed' });
    expect(renamed.body.data).toMatchObject({ name: 'Renamed', searchMode: 'FAST', maxAttempts: 5 });
    const login = await call('POST', '/v2/project-flows', { project: h.demo.project, type: 'login' });
    const patched = await call('PATCH', `/v2/project-flows/${login.body.data._id}`, {
      loginSettings: { searchMinScore: 0.8 },
    });
    expect(patched.body.data.loginSettings).toEqual({
      livenessMinScore: 0.6,
      searchMinScore: 0.8,
      searchMode: 'ACCURATE',
    });
    expect((await call('PUT', '/v2/project-flows/000000000000000000000000', { name: 'x' })).status).toBe(404);
  });
});

describe("Verifik's list conventions", () => {
  it('pages by perPage, sorts, and filters by where_ and in_[] on the fields the list has', async () => {
    const tag = unique('list');
    for (const name of [`${tag}-b`, `${tag}-a`, `${tag}-c`]) await collection(name);
    const names = (body: { data: { name: string }[] }) => body.data.map((c) => c.name);
    const one = await call('GET', `/v2/face-recognition/collections?where_name=${tag}-a`);
    expect(names(one.body)).toEqual([`${tag}-a`]);
    const inSorted = await call(
      'GET',
      `/v2/face-recognition/collections?in_name[]=${tag}-c&in_name[]=${tag}-b&sort=name`,
    );
    expect(names(inSorted.body)).toEqual([`${tag}-b`, `${tag}-c`]);
    const second = await call(
      'GET',
      `/v2/collections?in_name[]=${tag}-c&in_name[]=${tag}-b&sort=-name&perPage=1&page=2&limit=50`,
    );
    expect(names(second.body)).toEqual([`${tag}-b`]);
    expect(second.body).toMatchObject({
      total: 2,
      page: 2,
      limit: 1,
      pagination: { page: 2, perPage: 1, limit: 1, total: 2, pages: 2 },
    });
    const refused = await call('GET', '/v2/face-recognition/collections?where_secret=x&sort=-nothing');
    expect(refused.status).toBe(400);
    expect(refused.body.details.map((d: { path: string }) => d.path)).toEqual([
      '/query/sort',
      '/query/where_secret',
    ]);
  });

  it('filters validations by type, flow and the status they read as', async () => {
    const flows = await ownFlows(h);
    const created = async (type: 'login' | 'onboarding') =>
      (
        await call('POST', '/v2/biometric-validations', {
          project: h.demo.project,
          projectFlow: type === 'login' ? flows.loginFlow : flows.onboardingFlow,
          identifier: unique('who'),
          type,
        })
      ).body.data.biometricValidation._id as string;
    const login = await created('login');
    const onboarding = await created('onboarding');
    const ids = async (query: string) =>
      (await call('GET', `/v2/biometric-validations?${query}&limit=100`)).body.data.map(
        (v: { _id: string }) => v._id,
      );
    expect(await ids(`where_projectFlow=${flows.loginFlow}`)).toEqual([login]);
    expect(
      await ids(`in_projectFlow[]=${flows.loginFlow}&in_projectFlow[]=${flows.onboardingFlow}&sort=type`),
    ).toEqual([login, onboarding]);
    expect(
      await ids(`in_projectFlow[]=${flows.loginFlow}&in_projectFlow[]=${flows.onboardingFlow}&sort=-type`),
    ).toEqual([onboarding, login]);
    expect(await ids(`in_projectFlow[]=${flows.onboardingFlow}&where_status=new`)).toEqual([onboarding]);
    expect(
      await ids(`in_projectFlow[]=${flows.onboardingFlow}&in_status[]=expired&in_status[]=completed`),
    ).toEqual([]);
  });
});
