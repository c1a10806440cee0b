import { describe, expect, inject, it } from 'vitest';
import type { Coverage } from '../src/coverage.js';
import { ownProject, unique } from '../src/fixtures.js';
import { type Call, type CallResult, call, expectAnswer } from '../src/http.js';
import { faces } from '../src/images.js';

export function faceRecognitionScenarios(coverage: Coverage) {
  // The server half for Verifik's paths of collections, persons and flows (issue 16); the
  // statuses every operation shares (401, 403, 404 by id, 400 by id or query, 413, 415, 429) are
  // provoked by server.scenarios.ts for all operations alike.
  const base = inject('serverUrl');
  const token = inject('demo').clientAccessToken;
  const hit = (c: Call, status: number, code?: string): Promise<CallResult> =>
    expectAnswer(base, c, status, code, (res) => coverage.record('server', c.operationId, res.status));
  const lenient = { livenessMinScore: 0.3 };

  async function collection(project: string) {
    const res = await hit(
      { operationId: 'createFaceRecognitionCollection', token, body: { project, name: unique('faces') } },
      200,
    );
    return res.json.data as { _id: string; code: string };
  }

  const createPerson = (collectionRef: string, images: string[]) => ({
    operationId: 'createFaceRecognitionPerson',
    token,
    body: { name: 'John Doe', images, collections: [collectionRef] },
  });

  describe('server: collections at /v2/face-recognition/collections', () => {
    it('creates, lists, reads, renames and deletes a collection', async () => {
      const { project } = await ownProject(base, token, {});
      const c = await collection(project);
      await hit({ operationId: 'listFaceRecognitionCollections', token, query: { project } }, 200);
      await hit({ operationId: 'getFaceRecognitionCollection', token, params: { id: c._id } }, 200);
      const renamed = await hit(
        { operationId: 'updateFaceRecognitionCollection', token, params: { id: c._id }, body: { name: 'x' } },
        200,
      );
      expect(renamed.json.data.__v).toBe(1);
      await hit({ operationId: 'deleteFaceRecognitionCollection', token, params: { id: c._id } }, 200);
    });

    it('refuses an unknown project and the delete of a collection in use', async () => {
      await hit(
        {
          operationId: 'createFaceRecognitionCollection',
          token,
          body: { project: '000000000000000000000000', name: 'x' },
        },
        404,
        'PROJECT_NOT_FOUND',
      );
      const p = await ownProject(base, token, { login: { type: 'login' } });
      await hit(
        { operationId: 'deleteFaceRecognitionCollection', token, params: { id: p.collection } },
        409,
        'COLLECTION_IN_USE',
      );
    });
  });

  describe('server: persons at /v2/face-recognition/persons', () => {
    it('creates, lists, reads, updates and deletes a person', async () => {
      const { project } = await ownProject(base, token, {});
      const c = await collection(project);
      const created = await hit(createPerson(c.code, [faces.alice, faces.aliceAgain]), 200);
      const id = created.json.data._id as string;
      await hit({ operationId: 'listFaceRecognitionPersons', token, query: { collection: c._id } }, 200);
      await hit({ operationId: 'getFaceRecognitionPerson', token, params: { id } }, 200);
      await hit(
        {
          operationId: 'updateFaceRecognitionPerson',
          token,
          params: { id },
          body: { notes: 'n', images: [faces.bob] },
        },
        200,
      );
      // Verifik's detach from another collection deletes nothing; from the person's own, deletes.
      const other = await collection(project);
      const detach = (from: string) =>
        ({
          operationId: 'deleteFaceRecognitionPerson',
          token,
          params: { id },
          query: { collection: from },
        }) as const;
      await hit(detach(other._id), 404, 'PERSON_NOT_FOUND');
      await hit({ operationId: 'getFaceRecognitionPerson', token, params: { id } }, 200);
      await hit(detach(c._id), 200);
      await hit({ operationId: 'getFaceRecognitionPerson', token, params: { id } }, 404, 'PERSON_NOT_FOUND');
    });

    it('refuses an unknown collection, an unusable image and a face enrolled already', async () => {
      const { project } = await ownProject(base, token, {});
      const c = await collection(project);
      await hit(createPerson('000000000000000000000000', [faces.alice]), 404, 'COLLECTION_NOT_FOUND');
      await hit(createPerson(c._id, [faces.nobody]), 400, 'INVALID_IMAGE');
      const alice = await hit(createPerson(c._id, [faces.alice]), 200);
      await hit(createPerson(c._id, [faces.aliceAgain]), 409, 'PERSON_ALREADY_SET');
      const bob = await hit(createPerson(c._id, [faces.bob]), 200);
      await hit(
        {
          operationId: 'updateFaceRecognitionPerson',
          token,
          params: { id: bob.json.data._id },
          body: { images: [faces.aliceAgain] },
        },
        409,
        'PERSON_ALREADY_SET',
      );
      await hit(
        {
          operationId: 'updateFaceRecognitionPerson',
          token,
          params: { id: alice.json.data._id },
          body: { images: [faces.nobody] },
        },
        400,
        'INVALID_IMAGE',
      );
    });

    it('answers 503 when the engine is saturated', async () => {
      const { project } = await ownProject(base, token, {});
      const c = await collection(project);
      const creates = await Promise.all(
        [1, 2, 3, 4].map(() => call(base, createPerson(c._id, [faces.astronaut]))),
      );
      const enrolled = creates.find((r) => r.status === 200)?.json.data._id as string | undefined;
      const target = enrolled ?? (await hit(createPerson(c._id, [faces.carol]), 200)).json.data._id;
      const updates = await Promise.all(
        [1, 2, 3, 4].map(() =>
          call(base, {
            operationId: 'updateFaceRecognitionPerson',
            token,
            params: { id: target },
            body: { images: [faces.astronaut] },
          }),
        ),
      );
      for (const [operationId, results] of [
        ['createFaceRecognitionPerson', creates],
        ['updateFaceRecognitionPerson', updates],
      ] as const) {
        for (const res of results) {
          coverage.record('server', operationId, res.status);
          expect(res.violations).toEqual([]);
        }
        expect(results.some((r) => r.status === 503)).toBe(true);
        expect(results.find((r) => r.status === 503)?.headers.get('retry-after')).toMatch(/^\d+$/);
      }
    });
  });

  describe('server: persons created live at /v2/face-recognition/persons/search-live-face', () => {
    const live = (collectionId: string, images: string[], livenessMin = 0.5) => ({
      operationId: 'createLivePerson',
      token,
      body: {
        name: 'John Doe',
        images,
        gender: 'M',
        date_of_birth: '1990-01-15',
        collection_id: collectionId,
        liveness_min_score: livenessMin,
        min_score: 0.9,
        search_mode: 'ACCURATE',
      },
    });

    it('enrols a live face, then refuses it again, a low liveness, no face and an unknown collection', async () => {
      const { project } = await ownProject(base, token, {});
      const c = await collection(project);
      await hit(live(c._id, [faces.alice], 1), 409, 'LIVENESS_FAILED');
      await hit(live(c._id, [faces.alice]), 200);
      await hit(live(c._id, [faces.aliceAgain]), 409, 'DUPLICATED_PERSON');
      await hit(live(c._id, [faces.nobody]), 400, 'INVALID_IMAGE');
      await hit(live('000000000000000000000000', [faces.bob]), 404, 'COLLECTION_NOT_FOUND');
    });

    it('answers 503 when the engine is saturated', async () => {
      const { project } = await ownProject(base, token, {});
      const c = await collection(project);
      const results = await Promise.all([1, 2, 3, 4].map(() => call(base, live(c._id, [faces.astronaut]))));
      for (const res of results) {
        coverage.record('server', 'createLivePerson', res.status);
        expect(res.violations).toEqual([]);
      }
      expect(results.some((r) => r.status === 503)).toBe(true);
    });
  });

  describe('server: project flows by PUT, in the nested shape', () => {
    it('updates a flow with PUT from the nested liveness settings', async () => {
      const p = await ownProject(base, token, { login: { type: 'login', ...lenient } });
      const res = await hit(
        {
          operationId: 'putProjectFlow',
          token,
          params: { id: p.flows.login },
          body: { liveness: { minScore: 0.65, attemptLimit: 4 } },
        },
        200,
      );
      expect(res.json.data).toMatchObject({ livenessMinScore: 0.65, maxAttempts: 4 });
    });
  });
}
