import type { FaceAnalysis } from '@faceproof/face-engine';
import { type AppContext, auth } from '../context.js';
import { defaultSearchMinScore } from '../contract/defaults.js';
import { operation } from '../contract/operation.js';
import { type ApiError, apiError } from '../errors.js';
import { livenessScore } from '../flows/analysis.js';
import { buildEnrolment } from '../flows/enrolment.js';
import { nowIso, objectId } from '../ids.js';
import { presentPerson } from '../present.js';
import { livenessShortfalls, personFace, profileFrom } from '../resources/face-recognition.js';
import { isUniqueViolation } from '../store/sql-store.js';
import type { Collection, Person } from '../store/types.js';
import { collectionNotFound, listing, pageOf } from './common.js';

// Served at Verifik's `/v2/face-recognition/persons…` and, for list/get/delete, at the deprecated
// `/v2/persons…`: both call the same functions below.

type PersonOp =
  | 'getPerson'
  | 'deletePerson'
  | 'getFaceRecognitionPerson'
  | 'deleteFaceRecognitionPerson'
  | 'updateFaceRecognitionPerson';
type EnrolOp = 'createFaceRecognitionPerson' | 'updateFaceRecognitionPerson' | 'createLivePerson';

/** When a face counts as someone's already, and the error that says so. */
interface SameFace {
  minScore: number;
  refuse: (message: string, personId: string) => ApiError;
}

/** The match score at which a face counts as already enrolled: the ACCURATE search minimum. */
const sameFaceScore = () => defaultSearchMinScore('ACCURATE');

async function personOf(ctx: AppContext, clientId: string, id: string, op: PersonOp) {
  const p = await ctx.store.getPerson(clientId, id);
  if (!p)
    throw apiError(
      op,
      404,
      'PERSON_NOT_FOUND',
      'Person not found',
      `No person ${id} belongs to this client.`,
    );
  return p;
}

/** A collection of the client named by `_id` or by `code`, as Verifik's `collections[]` allows. */
async function collectionByRef(ctx: AppContext, clientId: string, ref: string) {
  return (
    (await ctx.store.getCollection(clientId, ref)) ?? (await ctx.store.findCollectionByCode(clientId, ref))
  );
}

async function list(
  ctx: AppContext,
  clientId: string,
  query: { page?: number; limit?: number; project?: string; collection?: string },
  op: 'listPersons' | 'listFaceRecognitionPersons',
) {
  const p = listing(op, query);
  const res = await ctx.store.listPersons(clientId, {
    ...p,
    projectId: query.project,
    collectionId: query.collection,
  });
  return pageOf(res.items.map(presentPerson), res.total, p);
}

async function remove(ctx: AppContext, clientId: string, id: string, op: PersonOp) {
  const p = await personOf(ctx, clientId, id, op);
  const counts = await ctx.store.deletePerson(p.id);
  ctx.faces.removePerson(p.collectionId, p.id);
  return { success: true as const, data: { _id: p.id, deleted: true as const, ...counts } };
}

/**
 * The face the images show (analysed one after the other, not to flood the engine's queue), and
 * the liveness score of each.
 */
async function faceOf(ctx: AppContext, images: string[], op: EnrolOp) {
  const analyses: FaceAnalysis[] = [];
  for (const image of images) analyses.push(await ctx.faces.analyze(image));
  const found = personFace(analyses, (a, b) => ctx.faces.compare(a, b), sameFaceScore());
  if ('issues' in found) {
    const onlyMatching = found.issues.every((i) => i.reason === undefined);
    throw apiError(
      op,
      400,
      'INVALID_IMAGE',
      'Invalid image',
      onlyMatching ? 'The images do not all show the same person.' : 'An image is not a usable face photo.',
      { details: found.issues },
    );
  }
  const liveness = analyses.map((a) => (a.ok ? livenessScore(a) : 0));
  return { analysis: found.face, image: images[found.image] as string, liveness };
}

/**
 * Saves `person` with the face of `images` into its collection, alone among that collection's
 * enrolments: the face must not be anyone else's there already (one collection holds a face once).
 */
async function enrol(
  ctx: AppContext,
  person: Person,
  collection: Collection,
  face: Awaited<ReturnType<typeof faceOf>>,
  replace: boolean,
  same: SameFace,
) {
  // Under the collection's enrolment lock; the writes go through the store it hands over.
  await ctx.faces.exclusive(collection.id, async (store) => {
    const other = ctx.faces
      .search(collection.id, face.analysis.templates, 2)
      .find((hit) => hit.id !== person.id && hit.score >= same.minScore);
    if (other)
      throw same.refuse(
        `The face of /body/images/0 is already enrolled in collection ${collection.id} as person ${other.id}.`,
        other.id,
      );
    const { templates } = buildEnrolment({
      person,
      analysis: face.analysis,
      image: face.image,
      retainFaceImage: false,
      templateModels: ctx.faces.storedModels(),
      at: person.updatedAt,
      newId: () => objectId(),
    });
    try {
      await store.savePerson(person, { templates, replace });
    } catch (err) {
      // Another instance enrolled a person under this identifier meanwhile.
      if (isUniqueViolation(err))
        throw same.refuse(
          `Identifier ${person.identifier} is already enrolled in collection ${collection.id}.`,
          '',
        );
      throw err;
    }
    ctx.faces.add(collection.id, person.id, face.analysis.templates);
  });
}

const alreadySet = (op: 'createFaceRecognitionPerson' | 'updateFaceRecognitionPerson'): SameFace => ({
  minScore: sameFaceScore(),
  refuse: (message, personId) => personAlreadySet(op, message, personId || undefined),
});

function personAlreadySet(
  op: 'createFaceRecognitionPerson' | 'updateFaceRecognitionPerson',
  message: string,
  personId?: string,
) {
  const details = personId
    ? [{ path: '/body/images/0', message: `already enrolled as person ${personId}` }]
    : [];
  return apiError(op, 409, 'PERSON_ALREADY_SET', 'Person already set', message, { details });
}

export const personHandlers = {
  ...operation('listPersons')((ctx, req, { op }) => list(ctx, auth(req).subject, req.query, op)),
  ...operation('listFaceRecognitionPersons')((ctx, req, { op }) =>
    list(ctx, auth(req).subject, req.query, op),
  ),

  ...operation('getPerson')(async (ctx, req, { op }) => ({
    success: true,
    data: presentPerson(await personOf(ctx, auth(req).subject, req.params.id, op)),
  })),
  ...operation('getFaceRecognitionPerson')(async (ctx, req, { op }) => ({
    success: true,
    data: presentPerson(await personOf(ctx, auth(req).subject, req.params.id, op)),
  })),

  ...operation('deletePerson')((ctx, req, { op }) => remove(ctx, auth(req).subject, req.params.id, op)),
  ...operation('deleteFaceRecognitionPerson')(async (ctx, req, { op }) => {
    const clientId = auth(req).subject;
    const detachFrom = req.query.collection;
    if (detachFrom !== undefined) {
      // Verifik's detach: only a person of the named collection goes; elsewhere nothing is lost.
      const [p, c] = await Promise.all([
        personOf(ctx, clientId, req.params.id, op),
        collectionByRef(ctx, clientId, detachFrom),
      ]);
      if (c?.id !== p.collectionId)
        throw apiError(
          op,
          404,
          'PERSON_NOT_FOUND',
          'Person not found',
          `Person ${p.id} is not in collection ${detachFrom}; nothing was deleted.`,
        );
    }
    return remove(ctx, clientId, req.params.id, op);
  }),

  ...operation('createFaceRecognitionPerson')(async (ctx, req, { op }) => {
    const clientId = auth(req).subject;
    const b = req.body;
    const ref = b.collections[0] as string;
    const collection = await collectionByRef(ctx, clientId, ref);
    if (!collection) throw collectionNotFound(op, ref);
    const id = objectId();
    const now = nowIso();
    const person: Person = {
      id,
      clientId,
      projectId: collection.projectId,
      collectionId: collection.id,
      identifier: b.identifier ?? id,
      profile: profileFrom(b),
      createdAt: now,
      updatedAt: now,
    };
    const sameIdentifier = await ctx.store.findPersonByIdentifier(collection.id, person.identifier);
    if (sameIdentifier)
      throw personAlreadySet(
        op,
        `Identifier ${person.identifier} is already enrolled in collection ${collection.id}.`,
      );
    await enrol(ctx, person, collection, await faceOf(ctx, b.images, op), false, alreadySet(op));
    return {
      success: true,
      data: presentPerson(await personOf(ctx, clientId, id, 'getFaceRecognitionPerson')),
    };
  }),

  ...operation('updateFaceRecognitionPerson')(async (ctx, req, { op }) => {
    const clientId = auth(req).subject;
    const prior = await personOf(ctx, clientId, req.params.id, op);
    const { images, collections, ...fields } = req.body;
    const collection = await ctx.store.getCollection(clientId, prior.collectionId);
    const ref = collections?.[0];
    if (ref !== undefined && ref !== collection?.id && ref !== collection?.code) {
      const details = [
        { path: '/body/collections/0', message: `must be the person's collection ${prior.collectionId}` },
      ];
      throw apiError(
        op,
        400,
        'INVALID_REQUEST',
        'Invalid request',
        "body/collections/0 must be the person's collection",
        {
          details,
        },
      );
    }
    const person: Person = {
      ...prior,
      profile: profileFrom(fields, prior.profile),
      updatedAt: nowIso(),
    };
    if (images && collection)
      await enrol(ctx, person, collection, await faceOf(ctx, images, op), true, alreadySet(op));
    else await ctx.store.savePerson(person);
    return { success: true, data: presentPerson(await personOf(ctx, clientId, person.id, op)) };
  }),

  ...operation('createLivePerson')(async (ctx, req, { op }) => {
    const clientId = auth(req).subject;
    const b = req.body;
    const collection = await collectionByRef(ctx, clientId, b.collection_id);
    if (!collection) throw collectionNotFound(op, b.collection_id);
    const face = await faceOf(ctx, b.images, op);
    const shortfalls = livenessShortfalls(face.liveness, b.liveness_min_score);
    if (shortfalls.length)
      throw apiError(
        op,
        409,
        'LIVENESS_FAILED',
        'Liveness failed',
        `An image scored below the liveness minimum ${b.liveness_min_score}.`,
        { details: shortfalls },
      );
    const id = objectId();
    const now = nowIso();
    const person: Person = {
      id,
      clientId,
      projectId: collection.projectId,
      collectionId: collection.id,
      identifier: id,
      profile: profileFrom(b),
      createdAt: now,
      updatedAt: now,
    };
    await enrol(ctx, person, collection, face, false, {
      minScore: b.min_score,
      refuse: (message, personId) =>
        apiError(op, 409, 'DUPLICATED_PERSON', 'Duplicated person', message, {
          details: personId
            ? [{ path: '/body/images/0', message: `already enrolled as person ${personId}` }]
            : [],
        }),
    });
    return {
      success: true,
      data: presentPerson(await personOf(ctx, clientId, id, 'getFaceRecognitionPerson')),
    };
  }),
};
